export { CommandDesk, CommandRequestError, type DeviceCommands } from './command-desk.js';
export { startPushFromConfig } from './from-config.js';
export { type PushCounters, type PushServer, startPushServer } from './push-server.js';
