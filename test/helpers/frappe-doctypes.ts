import type { Doc, FrappeDb } from './frappe-db.js';
import { validationError } from './frappe-errors.js';

export interface FieldSpec {
  label: string;
  type: 'Data' | 'Link' | 'Select' | 'Datetime' | 'Int' | 'Check' | 'Float' | 'JSON' | 'Long Text';
  /** Select options, or the Link target DocType. */
  options?: readonly string[] | string;
  reqd?: boolean;
  unique?: boolean;
  default?: unknown;
}

export interface Ctx {
  db: FrappeDb;
  user: string;
  /** `YYYY-MM-DD HH:MM:SS.ffffff` in the site zone. */
  now(): string;
  /** false models an API user with only the Employee role: permlevel-1 `time` is reset (frappe §4). */
  timeWritable: boolean;
  /** A shift whose type is "Strictly based on Log Type" covers every punch (frappe §4, rule 4). */
  strictShift: string | undefined;
  /** Frappe HR not installed: `hrms.…` methods cannot be imported. */
  withoutHrms: boolean;
  /** DocTypes not (yet) on the site: custom ones before `frappe setup`, HRMS ones without Frappe HR. */
  absent: Set<string>;
  /** Roles of the caller (its User doc), e.g. HR User. */
  roles: string[];
  /** Every API user of the site and its roles, for frappe.core…get_roles and the User resource. */
  users: ReadonlyMap<string, readonly string[]>;
  /** Custom Fields added on this site, by DocType (a unique one gets a unique index). */
  customFields: Map<string, Record<string, FieldSpec>>;
}

export interface DocTypeSpec {
  name: string;
  fields: Record<string, FieldSpec>;
  /** Name from the doc, or generated; runs before validation like Frappe's set_new_name. */
  autoname(doc: Record<string, unknown>, ctx: Ctx): string;
  /** Controller validate (runs after link checks, before mandatory/select/length checks). */
  validate?(doc: Doc, ctx: Ctx): void;
  single?: boolean;
}

const emptyLog = (v: unknown) => (v === '' || v === undefined ? null : v);

const EMPLOYEE: DocTypeSpec = {
  name: 'Employee',
  fields: {
    employee_name: { label: 'Full Name', type: 'Data' },
    // ERPNext: Data, unique, no_copy (frappe §4, Employee.attendance_device_id)
    attendance_device_id: { label: 'Attendance Device ID (Biometric/RF tag ID)', type: 'Data', unique: true },
    status: {
      label: 'Status',
      type: 'Select',
      options: ['Active', 'Inactive', 'Suspended', 'Left'],
      reqd: true,
      default: 'Active',
    },
  },
  autoname: (_doc, ctx) => `HR-EMP-${String(ctx.db.nextInSeries('HR-EMP-')).padStart(5, '0')}`,
};

const CHECKIN: DocTypeSpec = {
  name: 'Employee Checkin',
  fields: {
    employee: { label: 'Employee', type: 'Link', options: 'Employee', reqd: true },
    employee_name: { label: 'Employee Name', type: 'Data' },
    log_type: { label: 'Log Type', type: 'Select', options: ['', 'IN', 'OUT'] },
    time: { label: 'Time', type: 'Datetime', reqd: true },
    device_id: { label: 'Location / Device ID', type: 'Data' },
    skip_auto_attendance: { label: 'Skip Auto Attendance', type: 'Check', default: 0 },
    latitude: { label: 'Latitude', type: 'Float', default: 0 },
    longitude: { label: 'Longitude', type: 'Float', default: 0 },
  },
  // naming series EMP-CKIN-.MM.-.YYYY.-.###### takes month and year from today, not from `time`
  autoname: (_doc, ctx) => {
    const [y, m] = ctx.now().split('-');
    const prefix = `EMP-CKIN-${m}-${y}-`;
    return `${prefix}${String(ctx.db.nextInSeries(prefix)).padStart(6, '0')}`;
  },
  validate(doc, ctx) {
    const emp = ctx.db.get('Employee', String(doc.employee));
    if (!emp) return;
    doc.employee_name = emp.employee_name;
    // only Inactive blocks; Active, Suspended and Left pass (frappe §4, rule 2)
    if (emp.status === 'Inactive') {
      throw validationError(
        `Transactions cannot be created for an Inactive Employee <strong><a href="/app/employee/${emp.name}">${emp.name}</a></strong>.`,
        {
          excType: 'InactiveEmployeeStatusError',
          module: 'erpnext.setup.doctype.employee.employee',
          source: 'erpnext (app)',
        },
      );
    }
    // rule 3: same employee, exact same time, same log_type (null matches null); IN/OUT may coincide
    const clash = ctx.db
      .all('Employee Checkin')
      .find(
        (c) =>
          c.name !== doc.name &&
          c.employee === doc.employee &&
          canonicalDatetime(c.time) === canonicalDatetime(doc.time) &&
          emptyLog(c.log_type) === emptyLog(doc.log_type),
      );
    if (clash) {
      const link = `<a href="/app/Form/Employee Checkin/${clash.name}" style="font-weight: bold;">Employee Checkin ${String(clash.employee_name)}</a>`;
      throw validationError(`This employee already has a log with the same timestamp.<Br>${link}`, {
        source: 'hrms (app)',
      });
    }
    if (ctx.strictShift && !doc.log_type && !doc.skip_auto_attendance) {
      throw validationError(`Log Type is required for check-ins falling in the shift: ${ctx.strictShift}.`, {
        source: 'hrms (app)',
      });
    }
  },
};

const RAW_LOG: DocTypeSpec = {
  name: 'Attendance Raw Log',
  fields: {
    hash: { label: 'Hash', type: 'Data', reqd: true, unique: true },
    device: { label: 'Device', type: 'Link', options: 'Biometric Device', reqd: true },
    device_user_id: { label: 'Device User ID', type: 'Data', reqd: true },
    event_time: { label: 'Event Time', type: 'Datetime', reqd: true },
    event_type: { label: 'Event Type', type: 'Select', options: ['IN', 'OUT', 'UNKNOWN'] },
    punch: { label: 'Punch', type: 'Int' },
    verify: { label: 'Verify', type: 'Int' },
    source: { label: 'Source', type: 'Select', options: ['pull', 'realtime', 'push', 'file'] },
    received_at: { label: 'Received At', type: 'Datetime' },
    source_payload: { label: 'Source Payload', type: 'JSON' },
    status: {
      label: 'Status',
      type: 'Select',
      options: ['Pending', 'Synced', 'Unmapped', 'Error'],
      default: 'Pending',
    },
    employee_checkin: { label: 'Employee Checkin', type: 'Link', options: 'Employee Checkin' },
    error: { label: 'Error', type: 'Long Text' },
  },
  // autoname `field:hash` (design.md): a second insert of the same punch collides on the primary key → 409
  autoname: (doc) => String(doc.hash ?? ''),
};

// custom DocTypes `frappe setup` creates (design.md, Frappe side); named by hash like autoname `hash`
const USER_MAP: DocTypeSpec = {
  name: 'Biometric User Map',
  fields: {
    device_user_id: { label: 'Device User ID', type: 'Data', reqd: true },
    employee: { label: 'Employee', type: 'Link', options: 'Employee', reqd: true },
    device: { label: 'Device', type: 'Link', options: 'Biometric Device' },
    site: { label: 'Site', type: 'Data' },
  },
  autoname: (_doc, ctx) => `BUM-${String(ctx.db.nextInSeries('BUM-')).padStart(5, '0')}`,
};

const DEVICE: DocTypeSpec = {
  name: 'Biometric Device',
  fields: {
    device_id: { label: 'Device ID', type: 'Data', reqd: true, unique: true },
    device_name: { label: 'Device Name', type: 'Data' },
    host: { label: 'Host', type: 'Data' },
    port: { label: 'Port', type: 'Int' },
    mode: { label: 'Mode', type: 'Select', options: ['PULL', 'PUSH', 'FILE'] },
    site: { label: 'Site', type: 'Data' },
    timezone: { label: 'Time Zone', type: 'Data' },
    last_sync_at: { label: 'Last Sync At', type: 'Datetime' },
    last_cursor: { label: 'Last Cursor', type: 'Data' },
    state: { label: 'State', type: 'Select', options: ['online', 'error', 'offline'] },
    clock_offset_s: { label: 'Clock Drift (s)', type: 'Float' },
    clock_warning: { label: 'Clock Off', type: 'Check', default: 0 },
    sync_overdue: { label: 'Not Synced for a Day', type: 'Check', default: 0 },
    last_punch_at: { label: 'Last Punch At', type: 'Datetime' },
    last_status_at: { label: 'Last Status At', type: 'Datetime' },
    last_error: { label: 'Last Error', type: 'Long Text' },
  },
  autoname: (doc) => String(doc.device_id ?? ''),
};

// Frappe HR; only the field the forwarder writes. Seed with db.put (its name is chosen by HR, Prompt).
const SHIFT_TYPE: DocTypeSpec = {
  name: 'Shift Type',
  fields: { last_sync_of_checkin: { label: 'Last Sync of Checkin', type: 'Datetime' } },
  autoname: (doc) => String(doc.name),
};

const SYSTEM_SETTINGS: DocTypeSpec = {
  name: 'System Settings',
  single: true,
  fields: { time_zone: { label: 'Time Zone', type: 'Data' } },
  autoname: () => 'System Settings',
};

export const DOCTYPES: ReadonlyMap<string, DocTypeSpec> = new Map(
  [EMPLOYEE, CHECKIN, RAW_LOG, USER_MAP, DEVICE, SHIFT_TYPE, SYSTEM_SETTINGS].map((s) => [s.name, s]),
);

const DATETIME = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/** How MariaDB datetime(6) gives a value back: `YYYY-MM-DD HH:MM:SS[.ffffff]`; undefined if unparseable. */
export function canonicalDatetime(v: unknown): string | undefined {
  // cheap rejection first: list filters compare every row with every value (bench-sized tables)
  if (typeof v !== 'string' || v.length < 10 || v.charCodeAt(4) !== 45) return undefined;
  const m = DATETIME.exec(v);
  if (!m) return undefined;
  const frac = (m[4] ?? '').padEnd(6, '0');
  return `${m[1]} ${m[2] ?? '00:00'}:${m[3] ?? '00'}${/^0+$/.test(frac) ? '' : `.${frac}`}`;
}
