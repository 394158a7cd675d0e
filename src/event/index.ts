export * from './codec.js';
export * from './punch-event.js';
