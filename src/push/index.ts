export * from './command-queue.js';
export type { DeviceState, PushDevice } from './device-state.js';
export * from './from-config.js';
export * from './push-server.js';
export type { PushSettings } from './routes.js';
export type { PushUpload } from './uploads.js';
