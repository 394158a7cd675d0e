export * from './outbox-publisher.js';
export * from './topics.js';
