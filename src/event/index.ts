export * from './codec.js';
export * from './punch-event.js';
export * from './punch-event-schema.js';
export * from './punch-sink.js';
export * from './wall-clock.js';
