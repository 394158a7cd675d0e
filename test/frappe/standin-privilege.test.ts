import t from 'tap';
import { CHECKIN_EVENT_ID, INTEGRATION_ROLE } from '../../src/frappe/doctype-seed.js';
import { contractSite, frappeFetch, JSON_CT, serverMessages } from '../helpers/frappe-http.js';
import type { FrappeStandin } from '../helpers/frappe-standin.js';

const site = (opts = {}) => contractSite(t, opts);
const ADMIN = 'token admin:admin-secret';
const SETTINGS = '/api/resource/System%20Settings/System%20Settings';

/**
 * One Employee Checkin insert_many for HR-EMP-00001 at 08:00 (with `more` fields), started as a late
 * commit of `lateMs`; resolves once 50 ms have passed, with the late request and a function for the next.
 */
async function lateThenAgain(s: FrappeStandin, lateMs: number, more: Record<string, unknown> = {}) {
  const doc = { doctype: 'Employee Checkin', employee: 'HR-EMP-00001', time: '2024-05-01 08:00:00', ...more };
  const insert = () =>
    frappeFetch(s.url, '/api/method/frappe.client.insert_many', { body: { docs: [doc] }, headers: JSON_CT });
  s.failNext(1, { commitAfterMs: lateMs, match: /insert_many/ });
  const late = insert();
  await new Promise((r) => setTimeout(r, 50));
  return { late, insert };
}

t.test('the run-time user: HR User and the integration role, nothing of System Manager', async (t) => {
  const s = await site({ timeZone: 'Europe/Berlin' });
  const settings = await frappeFetch(s.url, SETTINGS);
  t.equal(settings.status, 403, 'System Settings is System Manager only (v15)');
  t.equal(settings.json.exc_type, 'PermissionError');
  t.equal(
    settings.json._error_message,
    'Insufficient Permission for System Settings (<strong>read</strong>)',
  );
  t.equal((await frappeFetch(s.url, SETTINGS, { auth: ADMIN })).json.data.time_zone, 'Europe/Berlin');
  const tz = await frappeFetch(s.url, '/api/method/frappe.client.get_time_zone', { auth: null });
  t.same(tz.json, { message: { time_zone: 'Europe/Berlin' } }, 'get_time_zone answers anyone');

  const me = await frappeFetch(s.url, '/api/resource/User/bio@example.com');
  t.equal(me.status, 200, 'a user reads its own User document');
  t.notOk('roles' in me.json.data, 'but the level-1 roles table is stripped');
  const asAdmin = await frappeFetch(s.url, '/api/resource/User/bio@example.com', { auth: ADMIN });
  t.same(
    asAdmin.json.data.roles.map((r: { role: string }) => r.role),
    ['HR User', INTEGRATION_ROLE],
  );
  t.equal((await frappeFetch(s.url, '/api/resource/User/setup@example.com')).status, 403);
  const roles = await frappeFetch(
    s.url,
    '/api/method/frappe.core.doctype.user.user.get_roles?uid=bio%40example.com',
  );
  t.same(roles.json.message, ['HR User', INTEGRATION_ROLE, 'All', 'Guest']);
  t.equal((await frappeFetch(s.url, '/api/method/frappe.core.doctype.user.user.get_roles')).status, 500);

  const dt = await frappeFetch(s.url, '/api/resource/DocType', {
    body: { name: 'X', module: 'Custom', custom: 1, fields: [] },
    headers: JSON_CT,
  });
  t.equal(dt.status, 403, 'creating DocTypes needs System Manager');
  const raw = await frappeFetch(s.url, '/api/resource/Attendance%20Raw%20Log?limit_page_length=1');
  t.equal(raw.status, 200, 'the integration role reads the Raw Log');
});

t.test('HR User alone may not write the audit trail', async (t) => {
  const s = await site({ roles: ['HR User'] });
  const raw = await frappeFetch(s.url, '/api/resource/Attendance%20Raw%20Log', {
    body: { hash: 'h', device: 'X05-1', device_user_id: '1', event_time: '2024-05-01 08:00:00' },
    headers: JSON_CT,
  });
  t.equal(raw.status, 403);
  t.equal(
    raw.json._error_message,
    'Insufficient Permission for Attendance Raw Log (<strong>create</strong>)',
  );
});

t.test(
  'Biometric Device: the integration role reads, creates and updates records, never deletes',
  async (t) => {
    const s = await site();
    const path = '/api/resource/Biometric%20Device';
    const created = await frappeFetch(s.url, path, {
      body: { device_id: 'X05-9', site: 'hq' },
      headers: JSON_CT,
    });
    t.equal(created.status, 200);
    const put = await frappeFetch(s.url, `${path}/X05-9`, {
      method: 'PUT',
      body: { state: 'offline' },
      headers: JSON_CT,
    });
    t.match(put, { status: 200, json: { data: { state: 'offline', owner: 'bio@example.com' } } });
    const gone = await frappeFetch(s.url, `${path}/X05-9`, { method: 'DELETE' });
    t.equal(gone.status, 403, 'a record stays unless an administrator deletes it');
    const hr = await site({ roles: ['HR User'] });
    const hrPut = await frappeFetch(hr.url, `${path}/X05-1`, {
      method: 'PUT',
      body: { state: 'offline' },
      headers: JSON_CT,
    });
    t.equal(hrPut.status, 403, 'HR User reads the records, only the forwarder keeps them');
    t.equal((await frappeFetch(hr.url, `${path}/X05-1`)).status, 200);
  },
);

t.test('Custom Field: System Manager only, 409 again, and a unique one refuses a second row', async (t) => {
  const s = await site({
    withoutCheckinEventId: true,
    employees: [{ employee_name: 'A', attendance_device_id: '1' }],
  });
  const path = '/api/resource/Custom%20Field';
  t.equal((await frappeFetch(s.url, path, { body: CHECKIN_EVENT_ID, headers: JSON_CT })).status, 403);
  const made = await frappeFetch(s.url, path, { body: CHECKIN_EVENT_ID, headers: JSON_CT, auth: ADMIN });
  t.equal(made.status, 200);
  t.equal(made.json.data.name, 'Employee Checkin-x05_event_id');
  const again = await frappeFetch(s.url, path, { body: CHECKIN_EVENT_ID, headers: JSON_CT, auth: ADMIN });
  t.equal(again.status, 409);
  const checkin = (time: string) => ({
    doctype: 'Employee Checkin',
    employee: 'HR-EMP-00001',
    time,
    x05_event_id: 'e1',
  });
  const insert = (docs: unknown[]) =>
    frappeFetch(s.url, '/api/method/frappe.client.insert_many', { body: { docs }, headers: JSON_CT });
  t.equal((await insert([checkin('2024-05-01 08:00:00')])).status, 200);
  // a different time passes HRMS's check; the index still refuses the same event id
  const dup = await insert([checkin('2024-05-01 08:00:01')]);
  t.equal(dup.status, 417);
  t.equal(dup.json.exc_type, 'UniqueValidationError');
  t.same(serverMessages(dup.json), [{ message: 'Punch Event ID must be unique', title: 'Message' }]);
  t.match(dup.json.exception, /Duplicate entry 'e1' for key 'x05_event_id'/);
  t.equal(s.checkins.length, 1);
  const meta = await frappeFetch(
    s.url,
    '/api/method/frappe.desk.form.load.getdoctype?doctype=Employee%20Checkin',
  );
  t.match(meta.json.docs[0].fields, [
    {},
    {},
    {},
    {},
    {},
    {},
    {},
    {},
    { fieldname: 'x05_event_id', unique: 1 },
  ]);
});

t.test('a late commit: invisible until it lands, its keys locked, the waiting insert refused', async (t) => {
  const s = await site({ employees: [{ employee_name: 'A', attendance_device_id: '1' }] });
  const { late, insert } = await lateThenAgain(s, 300, { x05_event_id: 'e1' });
  const look = await frappeFetch(s.url, '/api/resource/Employee%20Checkin?fields=["name"]');
  t.same(look.json.data, [], 'a lookup before the commit sees nothing');
  const t0 = Date.now();
  const retry = await insert();
  t.ok(Date.now() - t0 >= 200, 'the retry waited for the lock');
  t.equal(retry.status, 417, 'HRMS’s check read the old snapshot; the unique index refused it');
  t.equal(retry.json.exc_type, 'UniqueValidationError');
  t.equal((await late).status, 200);
  t.equal(s.checkins.length, 1);
  t.match(s.checkins[0], { x05_event_id: 'e1' });
});

t.test('a late commit without the unique field: the retry doubles the Checkin', async (t) => {
  const s = await site({
    withoutCheckinEventId: true,
    employees: [{ employee_name: 'A', attendance_device_id: '1' }],
  });
  const { late, insert } = await lateThenAgain(s, 200);
  t.equal((await insert()).status, 200, 'the series waited; HRMS’s check saw the old snapshot');
  await late;
  t.equal(s.checkins.length, 2, 'what a check before insert cannot prevent');
});

t.test('a lock held past innodb_lock_wait_timeout: 500 QueryTimeoutError', async (t) => {
  const s = await site({
    lockWaitTimeoutMs: 100,
    employees: [{ employee_name: 'A', attendance_device_id: '1' }],
  });
  const { late, insert } = await lateThenAgain(s, 400);
  const waited = await insert();
  t.equal(waited.status, 500);
  t.equal(waited.json.exc_type, 'QueryTimeoutError');
  await late;
  t.equal(s.checkins.length, 1);
});
