export type { ReadProgress } from './buffered-read.js';
export * from './errors.js';
export * from './poller.js';
export * from './pull.js';
export * from './session.js';
