export { DEFAULT_CONFIRM } from './confirm-policy.js';
export { ConfirmationListener } from './confirmations.js';
export { OutboxPublisher } from './outbox-publisher.js';
export { deviceStatusTopic, gatewayHealthTopic, gatewayStatusTopic } from './topics.js';
