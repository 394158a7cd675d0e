export { FrappeBatchWriter, type FrappeBatchWriterOptions } from './batch-writer.js';
export type { BatchItem, CheckinResult } from './checkin-stage.js';
export { FrappeClient } from './client.js';
export {
  createMissingDevices,
  type DeviceFields,
  type DeviceMode,
  type DeviceState,
  modeOfSource,
  readDevices,
} from './device-record.js';
export { DEVICE_DOCTYPE } from './doctype-seed.js';
export { dryRunWriter } from './dry-run-writer.js';
export { classifyFrappeError, FrappeError, type FrappeErrorKind, FrappeTlsError } from './errors.js';
export { mapLimit } from './insert-many.js';
export { ADD_LOG_METHOD, eventTypeFor, logTypeFor, RAW_LOG_DOCTYPE } from './punch-plan.js';
export { readSiteTimezone } from './site-settings.js';
export { toSiteTime } from './site-time.js';
export { retryUnmapped } from './unmapped-retry.js';
export type { FrappeWriter, WriteOutcome } from './writer.js';
