import t from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { FrappeClient, FrappeError, FrappeRestWriter } from '../../src/frappe/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';

function punch(userId: string, deviceTime = '2024-05-01T08:00:00', code = 0): PunchEvent {
  return makePunchEvent({
    deviceId: 'X05-1',
    site: 'hq',
    userId,
    deviceTime,
    timezone: 'Europe/Berlin',
    punch: code,
    verify: 1,
    source: 'realtime',
    receivedAt: new Date('2024-05-01T06:00:02.250Z'),
    clockOffsetS: 0,
    raw: 'line',
  });
}

async function setup(opts: Parameters<typeof FrappeStandin.start>[0] = {}, siteTimezone?: string) {
  const site = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'Asia/Kolkata',
    employees: [{ employee_name: 'Jane Doe', attendance_device_id: '4711' }],
    ...opts,
  });
  t.teardown(() => site.close());
  const client = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 's', timeoutMs: 2000 });
  return { site, writer: new FrappeRestWriter({ client, siteTimezone }) };
}

const calls = (site: FrappeStandin) => site.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

t.test('a new punch: Raw Log, Checkin in site time, Raw Log Synced', async (t) => {
  const { site, writer } = await setup();
  const e = punch('4711');
  const out = await writer.writePunch(e);
  t.match(out, { status: 'Synced', rawLog: e.id, checkin: /^EMP-CKIN-/, via: 'inserted' });
  t.same(calls(site), [
    'GET /api/resource/System Settings/System Settings 200',
    'POST /api/resource/Attendance Raw Log 200',
    'POST /api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field 200',
    `PUT /api/resource/Attendance Raw Log/${e.id} 200`,
  ]);
  t.match(site.rawLogs[0], {
    name: e.id,
    hash: e.id,
    device: 'X05-1',
    device_user_id: '4711',
    event_time: '2024-05-01 11:30:00',
    event_type: 'IN',
    received_at: '2024-05-01 11:30:02',
    status: 'Synced',
    employee_checkin: out.checkin,
  });
  t.same(JSON.parse(String(site.rawLogs[0]?.source_payload)), e);
  t.match(site.checkins[0], {
    employee: 'HR-EMP-00001',
    time: '2024-05-01 11:30:00',
    log_type: 'IN',
    device_id: 'X05-1',
  });

  site.requests.length = 0;
  t.match(await writer.writePunch(e), { status: 'Synced', via: 'already-synced', checkin: out.checkin });
  t.same(
    calls(site),
    ['POST /api/resource/Attendance Raw Log 409', `GET /api/resource/Attendance Raw Log/${e.id} 200`],
    'a replay costs two calls and writes nothing',
  );
  t.equal(site.checkins.length, 1);
});

t.test('HRMS already has the Checkin: duplicate answer means Synced', async (t) => {
  const { site, writer } = await setup({}, 'Asia/Kolkata');
  const first = await writer.writePunch(punch('4711'));
  // same instant and direction from a second terminal: a new Raw Log, but HRMS's duplicate rule
  const other = makePunchEvent({ ...facts(punch('4711')), deviceId: 'X05-2' });
  const out = await writer.writePunch(other);
  t.match(out, { status: 'Synced', via: 'hrms-duplicate', checkin: first.checkin });
  t.equal(site.checkins.length, 1);
  t.match(
    site.docs('Attendance Raw Log').map((d) => d.status),
    ['Synced', 'Synced'],
  );
});

t.test('unmapped user parks the Raw Log; written once the employee exists', async (t) => {
  const { site, writer } = await setup({}, 'Asia/Kolkata');
  const e = punch('0042');
  const out = await writer.writePunch(e);
  t.match(out, {
    status: 'Unmapped',
    message: "No Employee found for the given employee field value. 'attendance_device_id': 0042",
  });
  t.match(site.rawLogs[0], { status: 'Unmapped', error: /No Employee found/ });
  site.addEmployee({ employee_name: 'Zero Zed', attendance_device_id: '0042' });
  t.match(await writer.writePunch(e), { status: 'Synced', via: 'inserted' });
  t.match(site.rawLogs[0], { status: 'Synced', error: null });
});

t.test('HRMS refuses the punch: Raw Log Error with Frappe’s message', async (t) => {
  const { site, writer } = await setup({ strictShift: 'Day Shift' }, 'Asia/Kolkata');
  const out = await writer.writePunch(punch('4711', '2024-05-01T08:00:00', 255));
  t.match(out, {
    status: 'Error',
    message: 'Log Type is required for check-ins falling in the shift: Day Shift.',
  });
  t.match(site.rawLogs[0], { status: 'Error', event_type: 'UNKNOWN', error: /Log Type is required/ });
  t.equal(site.checkins.length, 0);
});

t.test('a write that landed before the answer was lost is found, not doubled (§3)', async (t) => {
  const { site, writer } = await setup({}, 'Asia/Kolkata');
  const e = punch('4711');
  site.failNext(1, { status: 504, afterCommit: true, match: /add_log/ });
  const err = await writer.writePunch(e).catch((x: unknown) => x);
  t.match(err, FrappeError);
  t.match(err, { kind: 'retryable', status: 504 });
  t.match(site.rawLogs[0], { status: 'Pending' });
  const out = await writer.writePunch(e);
  t.match(out, { status: 'Synced', via: 'found-existing', checkin: site.checkins[0]?.name });
  t.equal(site.checkins.length, 1);

  const e2 = punch('4711', '2024-05-01T17:00:00', 1);
  site.failNext(1, { status: 502, match: /^PUT / });
  t.match(await writer.writePunch(e2).catch((x: unknown) => x), { kind: 'retryable', status: 502 });
  t.match(await writer.writePunch(e2), { status: 'Synced', via: 'found-existing' });
  t.equal(site.checkins.length, 2);
});

t.test('HRMS not installed: thrown for an operator, the Raw Log stays Pending', async (t) => {
  const { site, writer } = await setup({ withoutHrms: true }, 'Asia/Kolkata');
  const err = await writer.writePunch(punch('4711')).catch((x: unknown) => x);
  t.match(err, {
    kind: 'validation',
    status: 417,
    messages: [/^Failed to get method .* No module named 'hrms'$/],
  });
  t.match(site.rawLogs, [{ status: 'Pending' }]);
});

t.test('auth failures are thrown, not parked', async (t) => {
  const { site } = await setup();
  const client = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 'wrong' });
  const writer = new FrappeRestWriter({ client, siteTimezone: 'Asia/Kolkata' });
  t.match(await writer.writePunch(punch('4711')).catch((x: unknown) => x), { kind: 'auth', status: 401 });
  t.equal(site.rawLogs.length, 0);
});

function facts(e: PunchEvent) {
  return {
    deviceId: e.device_id,
    site: e.site,
    userId: e.user_id,
    deviceTime: e.device_time,
    timezone: e.timezone,
    punch: e.punch,
    verify: e.verify,
    source: e.source,
    receivedAt: new Date(e.received_at),
    clockOffsetS: e.clock_offset_s,
    raw: Buffer.from(e.raw, 'hex'),
  };
}
