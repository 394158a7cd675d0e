import t from 'tap';
import { makePunchEvent } from '../../src/event/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { setupFrappe } from '../../src/frappe/setup.js';
import { FrappeStandin, type StandinOptions } from '../helpers/frappe-standin.js';

async function site(opts: StandinOptions) {
  const s = await FrappeStandin.start({ apiKey: 'k', apiSecret: 's', timeZone: 'UTC', ...opts });
  t.teardown(() => s.close());
  return {
    s,
    // the forwarder's run-time key, and the System Manager's key setup runs with
    client: new FrappeClient({ url: s.url, apiKey: 'k', apiSecret: 's' }),
    admin: new FrappeClient({ url: s.url, apiKey: 'admin', apiSecret: 'admin-secret' }),
  };
}

const CREATED = [
  'Role Biometric Integration',
  'Biometric Device',
  'Biometric User Map',
  'Attendance Raw Log',
  'Employee Checkin.x05_event_id (unique)',
];

const writes = (s: FrappeStandin) => s.requests.filter((r) => r.method !== 'GET');

t.test(
  'a fresh site: role, DocTypes and the unique field are created; a second run changes nothing',
  async (t) => {
    const { s, client, admin } = await site({ withoutCustomDoctypes: true });
    const first = await setupFrappe(admin, client);
    t.same(first.created, CREATED);
    t.same(first.problems, []);
    t.match(first, { admin: 'setup@example.com', user: 'bio@example.com' });
    t.match(s.docs('DocType'), [
      { name: 'Biometric Device', custom: 1, autoname: 'field:device_id' },
      { name: 'Biometric User Map', custom: 1 },
      // named by the punch id, so a second insert of a punch is a 409 (design.md)
      { name: 'Attendance Raw Log', custom: 1, autoname: 'field:hash' },
    ]);
    t.match(s.docs('Custom Field'), [{ name: 'Employee Checkin-x05_event_id', unique: 1 }]);
    s.requests.length = 0;
    const second = await setupFrappe(admin, client);
    t.same(second.created, []);
    t.same(second.unchanged, [
      'Role Biometric Integration',
      'Biometric Device',
      'Biometric User Map',
      'Attendance Raw Log',
      'Employee Checkin.x05_event_id (unique)',
    ]);
    t.same(writes(s), [], 'idempotent: no writes on the second run');

    // the fields the forwarder writes, from design.md's Attendance Raw Log, all exist in what setup made
    const rawLog = s.docs('DocType').find((d) => d.name === 'Attendance Raw Log')!;
    const fields = new Set((rawLog.fields as Array<{ fieldname: string }>).map((f) => f.fieldname));
    const designFields =
      'device device_user_id event_time event_type punch verify source received_at hash source_payload status employee_checkin error';
    t.same(
      designFields.split(' ').filter((f) => !fields.has(f)),
      [],
    );
    // and the forwarder can now write a punch there
    s.addEmployee({ employee_name: 'Jane', attendance_device_id: '1' });
    const writer = new FrappeBatchWriter({ client, siteTimezone: 'UTC' });
    const e = makePunchEvent({
      deviceId: 'X05-1',
      site: 'hq',
      userId: '1',
      deviceTime: '2024-05-01T08:00:00',
      timezone: 'UTC',
      punch: 0,
      verify: 1,
      source: 'pull',
      receivedAt: new Date('2024-05-01T08:00:01Z'),
      clockOffsetS: null,
      raw: '',
    });
    t.match(await writer.writePunch(e), { status: 'Synced', via: 'inserted' });
    t.match(s.checkins, [{ x05_event_id: e.id }], 'the run-time user wrote it, event id and all');
  },
);

t.test('what is missing is said: no Frappe HR, no System Manager, no HR role', async (t) => {
  const { s, client, admin } = await site({
    withoutCustomDoctypes: true,
    withoutHrms: true,
    roles: ['Employee'],
  });
  t.match((await setupFrappe(admin, client)).problems, [
    /Frappe HR is not installed/,
    // its employee_checkin links a DocType the site lacks, which Frappe refuses
    /DocType Attendance Raw Log not created: it links Employee Checkin, which comes with Frappe HR/,
    /none of HR User/,
    /lacks the Biometric/,
  ]);
  const r = await setupFrappe(client);
  t.same(r.created, []);
  t.equal(r.problems.length, 6);
  t.match(
    r.problems[0],
    /cannot create or change role Biometric Integration: user bio@example.com needs the System Manager role/,
  );
  t.match(
    r.problems[1],
    /cannot create or change DocType Biometric Device: user bio@example.com needs the System Manager role/,
  );
  t.match(
    r.problems[4],
    /has none of HR User, HR Manager, System Manager: Employee Checkin "time" is a permission-level-1 field/,
  );
  t.match(r.problems[5], /lacks the Biometric Integration role/);
  t.equal(s.docs('DocType').length, 2, 'only what the System Manager run could create');
});

t.test('the run-time check reads roles through get_roles, not the stripped User document', async (t) => {
  // HR User alone: the User document read with this key carries no roles at all
  const { client, admin } = await site({ roles: ['HR User'] });
  const r = await setupFrappe(admin, client);
  t.same(r.problems.length, 1, 'HR User is seen; only the integration role is missing');
  t.match(r.problems[0], /API user bio@example.com lacks the Biometric Integration role/);
});

t.test('a site set up by an older version: the field and the role’s permissions are added', async (t) => {
  const { s, client, admin } = await site({ withoutCheckinEventId: true });
  // as an older setup left it: HR User writes the Raw Log, no integration role rows, no Checkin field
  const raw = (await admin.getDoc('DocType', 'Attendance Raw Log')) as Record<string, unknown>;
  s.db.put({
    ...raw,
    name: 'Attendance Raw Log',
    doctype: 'DocType',
    permissions: [
      { role: 'System Manager', read: 1, write: 1, create: 1, delete: 1 },
      { role: 'HR User', read: 1, write: 1, create: 1 },
    ],
  });
  const r = await setupFrappe(admin, client);
  t.same(r.updated, ['Attendance Raw Log (+permission HR Manager, permission Biometric Integration)']);
  t.same(r.created, ['Employee Checkin.x05_event_id (unique)']);
  t.same(r.problems, []);
  const perms = s.docs('DocType').find((d) => d.name === 'Attendance Raw Log')!.permissions as Array<{
    role: string;
    write?: number;
  }>;
  t.match(
    perms.find((p) => p.role === 'HR User'),
    { write: 1 },
    'what the administrator had stays',
  );
});

t.test('an existing DocType missing a field gets the field; nothing else changes', async (t) => {
  const { s, client, admin } = await site({ withoutCustomDoctypes: true });
  await setupFrappe(admin, client);
  const dev = s.docs('DocType').find((d) => d.name === 'Biometric Device')!;
  const trimmed = (dev.fields as Array<{ fieldname: string }>).filter((f) => f.fieldname !== 'last_cursor');
  s.db.put({ ...dev, fields: trimmed });
  const r = await setupFrappe(admin, client);
  t.same(r.updated, ['Biometric Device (+last_cursor)']);
  t.same(r.unchanged, [
    'Role Biometric Integration',
    'Biometric User Map',
    'Attendance Raw Log',
    'Employee Checkin.x05_event_id (unique)',
  ]);
  const after = s.docs('DocType').find((d) => d.name === 'Biometric Device')!;
  t.same(
    (after.fields as Array<{ fieldname: string }>).map((f) => f.fieldname),
    [...trimmed.map((f) => f.fieldname), 'last_cursor'],
  );
});

t.test(
  'a site set up before terminals were kept: fields added, `device` becomes a Link, rows kept',
  async (t) => {
    const { s, client, admin } = await site({ olderDeviceFields: true });
    const emp = s.addEmployee({ employee_name: 'Jane', attendance_device_id: '1' });
    // what the older forwarder wrote: Raw Logs naming terminals that have no record, one that has
    s.insert('Biometric Device', { device_id: 'OLD-2' });
    for (const [hash, device] of [
      ['h1', 'OLD-1'],
      ['h2', 'OLD-1'],
      ['h3', 'OLD-2'],
    ]) {
      s.insert('Attendance Raw Log', {
        hash,
        device,
        device_user_id: '1',
        event_time: '2024-05-01 08:00:00',
        status: 'Pending',
      });
    }
    s.insert('Biometric User Map', { device_user_id: '9', employee: emp.name, device: 'OLD-3' });

    const r = await setupFrappe(admin, client);
    t.same(r.problems, []);
    t.same(r.created, ['Biometric Device OLD-3', 'Biometric Device OLD-1']);
    t.match(r.updated, [
      /^Biometric Device \(\+state, clock_offset_s, clock_warning, sync_overdue, last_punch_at, last_status_at, last_error\)$/,
      'Biometric User Map (+device → Link Biometric Device)',
      'Attendance Raw Log (+device → Link Biometric Device)',
    ]);
    t.equal(s.rawLogs.length, 3, 'every Raw Log kept');
    t.same(
      s
        .docs('Biometric Device')
        .map((d) => d.name)
        .sort(),
      ['OLD-1', 'OLD-2', 'OLD-3'],
    );
    const rawLog = s.docs('DocType').find((d) => d.name === 'Attendance Raw Log')!;
    t.match(
      (rawLog.fields as Array<Record<string, unknown>>).find((f) => f.fieldname === 'device'),
      { fieldtype: 'Link', options: 'Biometric Device', reqd: 1, label: 'Device' },
    );

    // the run-time user can save the old rows again, and a name without a record is refused as Frappe does
    await client.updateDoc('Attendance Raw Log', 'h1', { status: 'Synced' });
    const refused: unknown = await client
      .insertDoc('Attendance Raw Log', {
        hash: 'h4',
        device: 'NO-SUCH',
        device_user_id: '1',
        event_time: '2024-05-01 08:00:00',
      })
      .catch((err: unknown) => err);
    t.match(refused, {
      status: 417,
      excType: 'LinkValidationError',
      messages: ['Could not find Device: NO-SUCH'],
    });

    s.requests.length = 0;
    const again = await setupFrappe(admin, client);
    t.same([again.created, again.updated, again.problems], [[], [], []]);
    t.same(writes(s), [], 'a second run writes nothing');
  },
);
