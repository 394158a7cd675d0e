export * from './codec.js';
export * from './punch-event.js';
export * from './wall-clock.js';
