/**
 * The custom DocTypes `x05-gateway frappe setup` creates (design.md, Frappe side), as the body of
 * POST /api/resource/DocType (frappe §5): `custom: 1` (no developer mode needed), module Custom,
 * fieldnames that are not restricted (`name` is, so the device's name is `device_name`).
 */
export interface FieldSeed {
  fieldname: string;
  label: string;
  fieldtype: string;
  options?: string;
  reqd?: 1;
  unique?: 1;
  in_list_view?: 1;
  /** Shown as a filter box above the list (Frappe's "standard filters"). */
  in_standard_filter?: 1;
  read_only?: 1;
}

export interface DocTypeSeed {
  name: string;
  module: 'Custom';
  custom: 1;
  autoname: string;
  fields: FieldSeed[];
  permissions: Array<Record<string, string | number>>;
}

/**
 * The role `frappe setup` creates for the forwarder's run-time user. With HR User (which may set Checkin
 * `time`, frappe §4) it is all that user needs: HR staff can read the audit trail but not write it.
 * Created as a plain Role (is_custom 0): Frappe refuses custom roles on a custom DocType's permissions
 * unless Administrator sets them.
 */
export const INTEGRATION_ROLE = 'Biometric Integration';

/** One record per terminal, named by its serial; Raw Logs and user map rows link to it. */
export const DEVICE_DOCTYPE = 'Biometric Device';

type Perm = Record<string, string | number>;
const admin: Perm = { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 };
const hrManager = (write: 0 | 1): Perm => ({
  role: 'HR Manager',
  read: 1,
  write,
  create: write,
  delete: write,
});
const reader = (role: string): Perm => ({ role, read: 1 });
const writer = (role: string): Perm => ({ role, read: 1, write: 1, create: 1 });

const f = (
  fieldname: string,
  label: string,
  fieldtype: string,
  more: Partial<FieldSeed> = {},
): FieldSeed => ({
  fieldname,
  label,
  fieldtype,
  ...more,
});

export const DOCTYPE_SEEDS: readonly DocTypeSeed[] = [
  {
    name: DEVICE_DOCTYPE,
    module: 'Custom',
    custom: 1,
    autoname: 'field:device_id',
    // kept current by the forwarder (src/forwarder/device-registry.ts); the list shows state, site, last
    // sync and drift, the name being the serial
    fields: [
      f('device_id', 'Device ID', 'Data', { reqd: 1, unique: 1 }),
      f('device_name', 'Device Name', 'Data'),
      f('host', 'Host', 'Data'),
      f('port', 'Port', 'Int'),
      f('mode', 'Mode', 'Select', { options: 'PULL\nPUSH\nFILE' }),
      f('site', 'Site', 'Data', { in_list_view: 1, in_standard_filter: 1 }),
      f('timezone', 'Time Zone', 'Data'),
      f('last_sync_at', 'Last Sync At', 'Datetime', { in_list_view: 1 }),
      f('last_cursor', 'Last Cursor', 'Data'),
      f('state', 'State', 'Select', {
        options: 'online\nerror\noffline',
        in_list_view: 1,
        in_standard_filter: 1,
      }),
      f('clock_offset_s', 'Clock Drift (s)', 'Float', { in_list_view: 1 }),
      f('clock_warning', 'Clock Off', 'Check'),
      // Frappe list filters have no "older than N" on a date (Timespan and previous/next only name recent
      // ranges), so the forwarder keeps this flag and the list offers it as a standard filter
      f('sync_overdue', 'Not Synced for a Day', 'Check', { in_standard_filter: 1 }),
      f('last_punch_at', 'Last Punch At', 'Datetime'),
      f('last_status_at', 'Last Status At', 'Datetime'),
      f('last_error', 'Last Error', 'Long Text'),
    ],
    permissions: [admin, hrManager(1), reader('HR User'), writer(INTEGRATION_ROLE)],
  },
  {
    name: 'Biometric User Map',
    module: 'Custom',
    custom: 1,
    autoname: 'hash',
    fields: [
      f('device_user_id', 'Device User ID', 'Data', { reqd: 1, in_list_view: 1 }),
      f('employee', 'Employee', 'Link', { options: 'Employee', reqd: 1, in_list_view: 1 }),
      // empty device and site: a global row; device beats site beats global (src/frappe/employee-resolver.ts)
      f('device', 'Device', 'Link', { options: DEVICE_DOCTYPE, in_list_view: 1 }),
      f('site', 'Site', 'Data', { in_list_view: 1 }),
    ],
    // HR keeps the map; the forwarder only reads it
    permissions: [admin, hrManager(1), writer('HR User'), reader(INTEGRATION_ROLE)],
  },
  {
    name: 'Attendance Raw Log',
    module: 'Custom',
    custom: 1,
    // the punch id is the name: a second insert of the same punch answers 409 (frappe §5)
    autoname: 'field:hash',
    fields: [
      f('hash', 'Hash', 'Data', { reqd: 1, unique: 1 }),
      f('device', 'Device', 'Link', { options: DEVICE_DOCTYPE, reqd: 1, in_list_view: 1 }),
      f('device_user_id', 'Device User ID', 'Data', { reqd: 1, in_list_view: 1 }),
      f('event_time', 'Event Time', 'Datetime', { reqd: 1, in_list_view: 1 }),
      f('event_type', 'Event Type', 'Select', { options: 'IN\nOUT\nUNKNOWN' }),
      f('punch', 'Punch', 'Int'),
      f('verify', 'Verify', 'Int'),
      f('source', 'Source', 'Select', { options: 'pull\nrealtime\npush\nfile' }),
      f('received_at', 'Received At', 'Datetime'),
      f('source_payload', 'Source Payload', 'JSON'),
      f('status', 'Status', 'Select', { options: 'Pending\nSynced\nUnmapped\nError', in_list_view: 1 }),
      f('employee_checkin', 'Employee Checkin', 'Link', { options: 'Employee Checkin' }),
      f('error', 'Error', 'Long Text'),
    ],
    permissions: [admin, hrManager(0), reader('HR User'), writer(INTEGRATION_ROLE)],
  },
];

/** A Custom Field on a DocType of another app, as POST /api/resource/Custom Field takes it. */
export interface CustomFieldSeed extends FieldSeed {
  dt: string;
  insert_after: string;
  no_copy: 1;
}

/**
 * The punch's event id on Employee Checkin. `unique` makes Frappe add a unique index to the table, so the
 * database refuses a second Checkin of one punch even when two inserts race (HRMS's own same-timestamp
 * check is a read before the insert and cannot, frappe §4). Rows from before have it empty, which a
 * unique index allows any number of times.
 */
export const CHECKIN_EVENT_ID: CustomFieldSeed = {
  dt: 'Employee Checkin',
  fieldname: 'x05_event_id',
  label: 'Punch Event ID',
  fieldtype: 'Data',
  unique: 1,
  read_only: 1,
  no_copy: 1,
  insert_after: 'device_id',
};
