export * from './punch-store.js';
export * from './store-error.js';
