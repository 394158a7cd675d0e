export * from './confirm-policy.js';
export * from './confirmations.js';
export * from './outbox-publisher.js';
export * from './topics.js';
