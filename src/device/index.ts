export { type DeviceFacts, readUsers } from './facts.js';
export { isLogCursor, type LogCursor } from './log-cursor.js';
export { DevicePoller, type DeviceStatus, type PollerOptions } from './poller.js';
export { type PullResult, pullDevice, type SyncReport, syncDevice } from './pull.js';
export { runRealtimeSession } from './realtime.js';
