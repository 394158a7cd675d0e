export { DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
export { DEAD_LETTER_TOPIC, type DeadLetter } from './dead-letter.js';
export {
  type BrokerTls,
  type Forwarder,
  type ForwarderOptions,
  SubscriptionError,
  startForwarder,
} from './forwarder.js';
export type { ForwarderStats } from './stats.js';
