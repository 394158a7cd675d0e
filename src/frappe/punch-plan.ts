import type { PunchEvent } from '../event/index.js';
import { formatWallTimeIn, isCalendarTime } from '../event/index.js';
import { toSiteTime } from './site-time.js';

/** Custom DocType written by `frappe setup` (design.md, Frappe side). */
export const RAW_LOG_DOCTYPE = 'Attendance Raw Log';
export const CHECKIN_DOCTYPE = 'Employee Checkin';
export const EMPLOYEE_DOCTYPE = 'Employee';
/** Frappe HR v14+ path; the pre-split `erpnext.hr…` path answers 417 "Failed to get method" (frappe §4). */
export const ADD_LOG_METHOD =
  'hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';
export const DEFAULT_EMPLOYEE_FIELDNAME = 'attendance_device_id';

/** Frappe's Data fields hold at most 140 characters (frappe §3, CharacterLengthExceededError). */
export const DATA_MAX = 140;

export type LogType = 'IN' | 'OUT';
export type EventType = LogType | 'UNKNOWN';
export type RawLogStatus = 'Pending' | 'Synced' | 'Unmapped' | 'Error';

/** Device status codes (design.md, PunchEvent.punch): 0 in, 3 break in, 4 OT in; 1 out, 2 break out, 5 OT out. */
export function logTypeFor(punch: number): LogType | null {
  if (punch === 0 || punch === 3 || punch === 4) return 'IN';
  if (punch === 1 || punch === 2 || punch === 5) return 'OUT';
  return null;
}

export function eventTypeFor(punch: number): EventType {
  return logTypeFor(punch) ?? 'UNKNOWN';
}

export interface RawLogDoc {
  /** = PunchEvent.id and the document name (autoname `field:hash`), so a replay answers 409. */
  hash: string;
  device: string;
  device_user_id: string;
  event_time: string;
  event_type: EventType;
  punch: number;
  verify: number;
  source: string;
  received_at: string;
  source_payload: string;
  status: 'Pending';
}

/** Arguments of add_log_based_on_employee_field (frappe §4). */
export interface AddLogArgs {
  employee_field_value: string;
  /** Naive site time; the same string on every retry, since HRMS dedups on exact equality. */
  timestamp: string;
  device_id: string;
  /** null (Python None) for codes that are neither in nor out; HRMS's duplicate rule matches null to null. */
  log_type: LogType | null;
  employee_fieldname: string;
}

export interface PunchPlan {
  rawLog: RawLogDoc;
  addLog: AddLogArgs;
}

/** Why a punch cannot become a Checkin because a field is longer than Frappe keeps, else undefined. */
export function oversizeField(e: PunchEvent): string | undefined {
  for (const [what, v] of [
    ['device user id', e.user_id],
    ['device id', e.device_id],
  ] as const) {
    if (v.length > DATA_MAX) {
      return `${what} has ${v.length} characters; Frappe keeps at most ${DATA_MAX} (the whole value is in source_payload)`;
    }
  }
  return undefined;
}

/** A Data field's value cut to what Frappe keeps; the whole value stays in the Raw Log's source_payload. */
function dataField(v: string): string {
  return v.length <= DATA_MAX ? v : `${v.slice(0, DATA_MAX - 1)}…`;
}

/** The two documents a punch becomes, with every time already in the site's zone. */
export function planPunch(e: PunchEvent, siteZone: string, employeeFieldname: string): PunchPlan {
  const siteTime = toSiteTime(e.device_time, e.timezone, siteZone);
  const received = formatWallTimeIn(Date.parse(e.received_at), siteZone);
  return {
    rawLog: {
      hash: e.id,
      device: dataField(e.device_id),
      device_user_id: dataField(e.user_id),
      // a time that does not exist (month 13) would be stored as some other real day, or refused by the
      // database: the Raw Log is filed under its arrival, the device's text stays in source_payload
      event_time: isCalendarTime(e.device_time) ? siteTime : received,
      event_type: eventTypeFor(e.punch),
      punch: e.punch,
      verify: e.verify,
      source: e.source,
      // Datetime fields take naive site time; an ISO string with Z is stored wrong or fails (frappe §4)
      received_at: received,
      source_payload: JSON.stringify(e),
      status: 'Pending',
    },
    addLog: {
      employee_field_value: e.user_id,
      timestamp: siteTime,
      device_id: e.device_id,
      log_type: logTypeFor(e.punch),
      employee_fieldname: employeeFieldname,
    },
  };
}
