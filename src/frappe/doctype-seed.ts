/**
 * The custom DocTypes `x05-gateway frappe setup` creates (design.md, Frappe side), as the body of
 * POST /api/resource/DocType (contract.md §5): `custom: 1` (no developer mode needed), module Custom,
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

// HR User writes punches (it is also the role that may set Checkin `time`, contract.md §4)
const perms: Array<Record<string, string | number>> = [
  { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 },
  { role: 'HR Manager', read: 1, write: 1, create: 1, delete: 1 },
  { role: 'HR User', read: 1, write: 1, create: 1 },
];

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
    name: 'Biometric Device',
    module: 'Custom',
    custom: 1,
    autoname: 'field:device_id',
    fields: [
      f('device_id', 'Device ID', 'Data', { reqd: 1, unique: 1, in_list_view: 1 }),
      f('device_name', 'Device Name', 'Data', { in_list_view: 1 }),
      f('host', 'Host', 'Data'),
      f('port', 'Port', 'Int'),
      f('mode', 'Mode', 'Select', { options: 'PULL\nPUSH\nFILE' }),
      f('site', 'Site', 'Data', { in_list_view: 1 }),
      f('timezone', 'Time Zone', 'Data'),
      f('last_sync_at', 'Last Sync At', 'Datetime'),
      f('last_cursor', 'Last Cursor', 'Data'),
    ],
    permissions: perms,
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
      f('device', 'Device', 'Data', { in_list_view: 1 }),
      f('site', 'Site', 'Data', { in_list_view: 1 }),
    ],
    permissions: perms,
  },
  {
    name: 'Attendance Raw Log',
    module: 'Custom',
    custom: 1,
    // the punch id is the name: a second insert of the same punch answers 409 (contract.md §5)
    autoname: 'field:hash',
    fields: [
      f('hash', 'Hash', 'Data', { reqd: 1, unique: 1 }),
      f('device', 'Device', 'Data', { reqd: 1, in_list_view: 1 }),
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
    permissions: perms,
  },
];
