import type { PunchEvent } from '../event/index.js';
import type { RawLogStatus } from './punch-plan.js';

/**
 * Where a punch stands after a write that Frappe holds. `via` says how a Synced punch got there:
 * `inserted` (new Employee Checkin), `duplicate` (Frappe refused a second one: HRMS's same-timestamp check
 * or the event id's unique index), `found-existing` (an earlier attempt had landed; found by lookup),
 * `already-synced` (the Raw Log said so).
 */
export interface WriteOutcome {
  status: Exclude<RawLogStatus, 'Pending'>;
  /** Attendance Raw Log name (= PunchEvent.id). */
  rawLog: string;
  checkin?: string | undefined;
  via?: 'inserted' | 'duplicate' | 'found-existing' | 'already-synced';
  /** Frappe's message for Unmapped and Error. */
  message?: string;
}

/**
 * Writes one punch to Frappe. Resolves once Frappe durably holds it (any status above); rejects with a
 * FrappeError of kind `retryable` or `auth` when it should be tried again later. Safe to repeat.
 */
export interface FrappeWriter {
  writePunch(e: PunchEvent): Promise<WriteOutcome>;
}
