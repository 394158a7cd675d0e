export type { ReadProgress } from './buffered-read.js';
export * from './errors.js';
export * from './facts.js';
export * from './log-cursor.js';
export * from './poller.js';
export * from './pull.js';
export * from './realtime.js';
export * from './session.js';
