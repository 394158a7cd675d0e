export * from './disk.js';
export * from './punch-store.js';
export * from './retention.js';
export * from './store-error.js';
