export {
  type BatchItem,
  type CheckinResult,
  FrappeBatchWriter,
  type FrappeBatchWriterOptions,
  type RawLogState,
} from './batch-writer.js';
export {
  FrappeClient,
  type FrappeClientOptions,
  type FrappeConfig,
  type FrappeDoc,
  type FrappeFilter,
  type ListQuery,
  methodPath,
  resourcePath,
} from './client.js';
export { type DryRunWriterOptions, dryRunWriter } from './dry-run-writer.js';
export { EmployeeResolver, type PunchKey, type Resolution, USER_MAP_DOCTYPE } from './employee-resolver.js';
export {
  classifyFrappeError,
  decodeServerMessages,
  FrappeError,
  type FrappeErrorKind,
  FrappeTlsError,
} from './errors.js';
export { type HttpRequest, type HttpResponse, type HttpTransport, httpTransport } from './http-transport.js';
export { INSERT_MANY_MAX, INSERT_MANY_METHOD, insertManyIsolating } from './insert-many.js';
export {
  ADD_LOG_METHOD,
  type AddLogArgs,
  CHECKIN_DOCTYPE,
  type EventType,
  eventTypeFor,
  type LogType,
  logTypeFor,
  type PunchPlan,
  planPunch,
  RAW_LOG_DOCTYPE,
  type RawLogDoc,
  type RawLogStatus,
} from './punch-plan.js';
export { type SetupReport, setupFrappe, TIME_WRITING_ROLES } from './setup.js';
export { FRAPPE_DEFAULT_TIMEZONE, readSiteTimezone } from './site-settings.js';
export { toSiteTime } from './site-time.js';
export { retryUnmapped, type UnmappedRetryResult } from './unmapped-retry.js';
export type { FrappeWriter, WriteOutcome } from './writer.js';
