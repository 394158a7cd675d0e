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
export { DryRunWriter, type DryRunWriterOptions } from './dry-run-writer.js';
export { classifyFrappeError, decodeServerMessages, FrappeError, type FrappeErrorKind } from './errors.js';
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
export { FrappeRestWriter, type FrappeRestWriterOptions } from './rest-writer.js';
export { FRAPPE_DEFAULT_TIMEZONE, readSiteTimezone } from './site-settings.js';
export { toSiteTime } from './site-time.js';
export type { FrappeWriter, WriteOutcome } from './writer.js';
