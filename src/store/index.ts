export {
  type ConfirmResult,
  type DeviceIntake,
  type OutboxEntry,
  PunchStore,
  type SentMark,
} from './punch-store.js';
export type { RecentCounts } from './recent-intake.js';
export type { WriteFailure } from './recovery.js';
export { StoreError, StoreRecoveringError } from './store-error.js';
