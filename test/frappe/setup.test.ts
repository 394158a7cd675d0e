import t from 'tap';
import { makePunchEvent } from '../../src/event/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { setupFrappe } from '../../src/frappe/setup.js';
import { FrappeStandin, type StandinOptions } from '../helpers/frappe-standin.js';

async function site(opts: StandinOptions) {
  const s = await FrappeStandin.start({ apiKey: 'k', apiSecret: 's', timeZone: 'UTC', ...opts });
  t.teardown(() => s.close());
  return { s, client: new FrappeClient({ url: s.url, apiKey: 'k', apiSecret: 's' }) };
}

const writes = (s: FrappeStandin) => s.requests.filter((r) => r.method !== 'GET');

t.test('a fresh site: the three DocTypes are created; a second run changes nothing', async (t) => {
  const { s, client } = await site({ withoutCustomDoctypes: true });
  const first = await setupFrappe(client);
  t.same(first.created, ['Biometric Device', 'Biometric User Map', 'Attendance Raw Log']);
  t.same(first.problems, []);
  t.match(s.docs('DocType'), [
    { name: 'Biometric Device', custom: 1, autoname: 'field:device_id' },
    { name: 'Biometric User Map', custom: 1 },
    // named by the punch id, so a second insert of a punch is a 409 (design.md)
    { name: 'Attendance Raw Log', custom: 1, autoname: 'field:hash' },
  ]);
  s.requests.length = 0;
  const second = await setupFrappe(client);
  t.same(second.created, []);
  t.same(second.unchanged, ['Biometric Device', 'Biometric User Map', 'Attendance Raw Log']);
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
});

t.test('what is missing is said: no Frappe HR, no System Manager, no HR role', async (t) => {
  const { s, client } = await site({ withoutCustomDoctypes: true, withoutHrms: true, roles: ['Employee'] });
  const r = await setupFrappe(client);
  t.same(r.created, []);
  t.equal(r.problems.length, 5);
  t.match(r.problems[0], /Frappe HR is not installed/);
  t.match(
    r.problems[1],
    /cannot create or change DocType Biometric Device: user bio@example.com needs the System Manager role/,
  );
  t.match(
    r.problems[4],
    /has none of HR User, HR Manager, System Manager: Employee Checkin "time" is a permission-level-1 field/,
  );
  t.equal(s.docs('DocType').length, 0);
});

t.test('an existing DocType missing a field gets the field; nothing else changes', async (t) => {
  const { s, client } = await site({ withoutCustomDoctypes: true });
  await setupFrappe(client);
  const dev = s.docs('DocType').find((d) => d.name === 'Biometric Device')!;
  const trimmed = (dev.fields as Array<{ fieldname: string }>).filter((f) => f.fieldname !== 'last_cursor');
  s.db.put({ ...dev, fields: trimmed });
  const r = await setupFrappe(client);
  t.same(r.updated, ['Biometric Device (+last_cursor)']);
  t.same(r.unchanged, ['Biometric User Map', 'Attendance Raw Log']);
  const after = s.docs('DocType').find((d) => d.name === 'Biometric Device')!;
  t.same(
    (after.fields as Array<{ fieldname: string }>).map((f) => f.fieldname),
    [...trimmed.map((f) => f.fieldname), 'last_cursor'],
  );
});
