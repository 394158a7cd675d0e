import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { formatWallTimeIn } from '../../src/event/wall-clock.js';
import { type Forwarder, type ForwarderOptions, startForwarder } from '../../src/forwarder/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { encodePunchEvent } from '../../src/payload/index.js';
import { FrappeStandin, type StandinOptions } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const USERS = ['4711', '4712', '4713', '4714', '4715'];

let broker: Mosquitto;
let publisher: MqttClient;
t.before(async () => {
  broker = await Mosquitto.start();
  publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'batch-publisher' });
});
t.teardown(async () => {
  await publisher.endAsync();
  await broker.close();
});

async function site(opts: StandinOptions = {}) {
  const s = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'Asia/Kolkata',
    employees: USERS.map((u) => ({ employee_name: `Emp ${u}`, attendance_device_id: u })),
    ...opts,
  });
  t.teardown(() => s.close());
  return s;
}

const writerFor = (s: FrappeStandin) =>
  new FrappeBatchWriter({
    client: new FrappeClient({ url: s.url, apiKey: 'k', apiSecret: 's', timeoutMs: 5000 }),
    siteTimezone: 'Asia/Kolkata',
  });

async function forwarder(name: string, s: FrappeStandin, more: Partial<ForwarderOptions> = {}) {
  return startForwarder({
    brokerUrl: broker.url,
    clientId: `bfwd-${name}`,
    shareGroup: `bg-${name}`,
    topic: `x05/v1/${name}/+/punch`,
    sessionExpiryS: 300,
    writer: writerFor(s),
    logger,
    retry: { initialMs: 20, maxMs: 200, slowMs: 100 },
    batchSize: 50,
    lingerMs: 10,
    ...more,
  });
}

interface PunchSpec {
  user: string;
  device?: string;
  site?: string;
  code?: number;
}

function punch(i: number, p: PunchSpec): PunchEvent {
  return makePunchEvent({
    deviceId: p.device ?? 'X05-1',
    site: p.site ?? 'hq',
    userId: p.user,
    deviceTime: new Date(Date.UTC(2024, 4, 1, 4, 0, 0) + i * 61_000).toISOString().slice(0, 19),
    timezone: 'Europe/Berlin',
    punch: p.code ?? i % 2,
    verify: 1,
    source: 'pull',
    receivedAt: new Date('2024-05-01T12:00:00Z'),
    clockOffsetS: null,
    raw: '',
  });
}

const many = (n: number) => Array.from({ length: n }, (_, i) => punch(i, { user: USERS[i % USERS.length]! }));

/** On the test site's topic, as that site's gateway would publish it (the site is not part of the id). */
async function publish(name: string, events: PunchEvent[]): Promise<void> {
  await publishAsIs(events.map((e) => ({ ...e, site: name })));
}

/** Each punch on its own site's and device's topic. */
async function publishAsIs(events: PunchEvent[]): Promise<void> {
  await Promise.all(
    events.map((e) =>
      publisher.publishAsync(`x05/v1/${e.site}/${e.device_id}/punch`, encodePunchEvent(e), { qos: 1 }),
    ),
  );
}

const synced = (s: FrappeStandin) => s.rawLogs.filter((d) => d.status === 'Synced').length;

/** Exactly one Checkin per punch: (employee, time, log_type) never repeats and every Raw Log links one. */
function exactlyOnce(t: Test, s: FrappeStandin, n: number): void {
  t.equal(s.rawLogs.length, n, 'one Raw Log per punch');
  t.equal(s.checkins.length, n, 'one Checkin per punch');
  const keys = new Set(s.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type ?? ''}`));
  t.equal(keys.size, n, 'no two Checkins for the same punch');
  const ids = new Set(s.checkins.map((c) => c.x05_event_id));
  t.same(ids, new Set(s.rawLogs.map((r) => r.name)), 'each Checkin carries its punch’s event id');
  const names = new Set(s.checkins.map((c) => c.name));
  t.ok(
    s.rawLogs.every((r) => r.status === 'Synced' && names.has(r.employee_checkin as string)),
    'every Raw Log Synced and linked to its Checkin',
  );
}

t.test(
  'punches go in batches: exactly N of each, per-employee order, a few requests per batch',
  async (t) => {
    const s = await site();
    const f = await forwarder('plain', s);
    const events = many(300);
    await publish('plain', events);
    await until('300 acked', () => f.stats.acked === 300, 30_000);
    await f.stop();
    exactlyOnce(t, s, 300);
    for (const u of USERS) {
      const times = s.checkins.filter((c) => c.employee_name === `Emp ${u}`).map((c) => String(c.time));
      t.same(times, [...times].sort(), `user ${u}: Checkins created in punch order`);
    }
    // per batch: Raw Log lookup, Checkin lookup, 2 × insert_many; the first one also looks up employees
    // (User Map + Employee, then cached) and reads the Checkin meta once; the sync tool's way would be
    // 300 requests, ours per punch 900
    const batches = f.stats.batches;
    t.ok(batches >= 6 && batches <= 60, `${batches} batches`);
    // plus, once per terminal and not per batch, its Biometric Device record: lookup and insert_many by
    // the writer, load and update by the device registry
    t.ok(s.requests.length <= 4 * batches + 3 + 4, `${s.requests.length} requests for ${batches} batches`);
  },
);

t.test('one bad punch never blocks the rest: each parked with its reason', async (t) => {
  // a proxy with a tiny body limit, so one punch with the largest raw record is over it on its own
  const s = await site({ strictShift: 'Night', maxBodyBytes: 2500 });
  s.addEmployee({ employee_name: 'Idle Ian', attendance_device_id: '13', status: 'Inactive' });
  const letters: Array<Record<string, unknown>> = [];
  const watcher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'b-dl-watcher' });
  t.teardown(() => watcher.endAsync());
  watcher.on('message', (_topic, payload) => letters.push(JSON.parse(payload.toString())));
  await watcher.subscribeAsync('x05/v1/deadletter', { qos: 1 });
  const f = await forwarder('poison', s);
  const good = many(40);
  const inactive = punch(100, { user: '13' });
  const unmapped = punch(101, { user: '9999' });
  // no log_type for code 255, and the Night shift is "Strictly based on Log Type": HRMS says 417
  const refused = punch(102, { user: '4711', code: 255 });
  // device user ids longer than a Data field (140): no Employee can have them
  const tooLong = punch(103, { user: 'x'.repeat(150) });
  // past PunchEvent's bound for a user id: a dead letter, never sent to Frappe
  const huge = punch(104, { user: '7'.repeat(100_000) });
  // the largest raw record a punch may carry: its Raw Log alone is over the proxy's limit (413)
  const bulky = { ...punch(105, { user: '4711' }), raw: 'ab'.repeat(1024) };
  const bad = [inactive, unmapped, refused, tooLong, huge, bulky];
  await publish('poison', [...good.slice(0, 20), ...bad, ...good.slice(20)]);
  await until('all acked', () => f.stats.acked === 46 && letters.length === 1, 30_000);
  await f.stop();
  t.equal(synced(s), 41, 'the 40 and the bulky one');
  t.equal(s.checkins.length, 41);
  const log = (e: PunchEvent) => s.rawLogs.find((r) => r.name === e.id);
  t.match(log(inactive), { status: 'Unmapped', error: /Inactive/ });
  t.match(log(unmapped), { status: 'Unmapped', error: /no Employee with attendance_device_id = 9999/ });
  t.match(log(refused), {
    status: 'Error',
    error: /Log Type is required for check-ins falling in the shift: Night/,
  });
  t.match(log(tooLong), {
    status: 'Error',
    error: /device user id has 150 characters; Frappe keeps at most 140/,
  });
  t.match(log(tooLong), { device_user_id: /^x{139}…$/ });
  t.equal(JSON.parse(String(log(tooLong)!.source_payload)).user_id.length, 150, 'the whole id is kept');
  t.equal(log(huge), undefined);
  t.match(letters, [{ path: '', reason: /bytes; a PunchEvent is at most/, truncated: true }]);
  t.ok(JSON.stringify(letters[0]).length < 64 * 1024, 'the dead letter stays small');
  t.match(log(bulky), {
    status: 'Synced',
    error: /Frappe refused this Raw Log as sent: .*Request Entity Too Large/,
    source_payload: /omitted_bytes/,
  });
  t.same(
    s.requests.filter((r) => r.status === 414 || r.status === 431),
    [],
    'no lookup went past the 8 KB request line',
  );
  t.ok(
    s.requests.some((r) => r.status === 413),
    'the 413 was met and bisected to its punch',
  );
  t.match(f.stats, { synced: 41, unmapped: 2, rejected: 2, deadLettered: 1 });
});

t.test('429, 502 and connections dropped after the commit: retried, exactly once', async (t) => {
  const s = await site();
  const f = await forwarder('flaky', s);
  s.failNext(1, { status: 429 });
  s.failNext(1, { status: 502, match: /^GET / });
  // both insert_many calls of the first batch commit, then the connection drops (frappe §3)
  s.failNext(2, { status: 'reset', afterCommit: true, match: /insert_many/ });
  const events = many(120);
  await publish('flaky', events);
  await until('120 acked', () => f.stats.acked === 120, 30_000);
  await f.stop();
  exactlyOnce(t, s, 120);
  t.ok(
    s.requests.some((r) => r.status === 429),
    'saw the 429',
  );
  t.equal(s.requests.filter((r) => r.status === 0).length, 2, 'saw both dropped connections');
  t.ok(f.stats.retries >= 4, `retried (${f.stats.retries})`);
});

t.test('token revoked: consuming pauses, nothing acknowledged, resumes when fixed', async (t) => {
  const s = await site();
  const f = await forwarder('auth', s);
  s.tokenRevoked = true;
  await publish('auth', many(10));
  await until('paused', () => f.stats.paused && f.stats.retries >= 2, 10_000);
  t.equal(f.stats.acked, 0);
  t.equal(s.rawLogs.length, 0);
  s.tokenRevoked = false;
  await until('10 acked', () => f.stats.acked === 10, 10_000);
  t.equal(f.stats.paused, false, 'status back to running');
  await f.stop();
  exactlyOnce(t, s, 10);
});

t.test('Biometric User Map: device row, then site row, then global, then attendance_device_id', async (t) => {
  const s = await site({ employees: [] });
  const byDeviceId = s.addEmployee({ employee_name: 'Field Fay', attendance_device_id: '7' });
  const onDevice = s.addEmployee({ employee_name: 'Device Dan' });
  const atBranch = s.addEmployee({ employee_name: 'Branch Bea' });
  const global = s.addEmployee({ employee_name: 'Global Gus' });
  // `device` links to the terminal's record, which HR picks from the list
  s.insert('Biometric Device', { device_id: 'X05-2' });
  s.insert('Biometric User Map', { device_user_id: '7', employee: onDevice.name, device: 'X05-2' });
  s.insert('Biometric User Map', { device_user_id: '7', employee: atBranch.name, site: 'branch' });
  s.insert('Biometric User Map', { device_user_id: '8', employee: global.name });
  // the punches come from three sites, so this forwarder takes every site's topic
  const f = await forwarder('map', s, { topic: 'x05/v1/+/+/punch' });
  const cases: Array<[PunchEvent, string]> = [
    [punch(1, { user: '7' }), byDeviceId.name],
    [punch(2, { user: '7', device: 'X05-2' }), onDevice.name],
    [punch(3, { user: '7', device: 'X05-2', site: 'branch' }), onDevice.name],
    [punch(4, { user: '7', device: 'X05-3', site: 'branch' }), atBranch.name],
    [punch(5, { user: '8', site: 'elsewhere' }), global.name],
  ];
  await publishAsIs(cases.map(([e]) => e));
  await until('5 acked', () => f.stats.acked === 5, 10_000);
  await f.stop();
  for (const [e, employee] of cases) {
    const raw = s.rawLogs.find((r) => r.name === e.id);
    const checkin = s.checkins.find((c) => c.name === raw?.employee_checkin);
    t.equal(checkin?.employee, employee, `${e.user_id} on ${e.device_id} at ${e.site}`);
  }
});

t.test(
  'Shift Type last_sync_of_checkin follows the oldest of its terminals, once all are written',
  async (t) => {
    const s = await site();
    s.db.put({ doctype: 'Shift Type', name: 'Day', last_sync_of_checkin: null });
    const f = await forwarder('shift', s, { shiftTypes: [{ name: 'Day', devices: ['X05-1', 'X05-2'] }] });
    // X05-1 up to its 10th punch, X05-2 up to its 5th (61 s apart, device wall time in Berlin)
    await publish(
      'shift',
      Array.from({ length: 10 }, (_, i) => punch(i, { user: '4711' })),
    );
    await until('10 acked', () => f.stats.acked === 10, 10_000);
    t.equal(s.db.get('Shift Type', 'Day')?.last_sync_of_checkin, null, 'X05-2 not heard from: no move');
    await publish(
      'shift',
      Array.from({ length: 5 }, (_, i) => punch(i, { user: '4712', device: 'X05-2' })),
    );
    await until('15 acked', () => f.stats.acked === 15, 10_000);
    await f.stop();
    // X05-2's last punch: wall time 04:04:04 in Berlin (CEST, +2) = 02:04:04 UTC = 07:34:04 in Kolkata
    t.equal(s.db.get('Shift Type', 'Day')?.last_sync_of_checkin, '2024-05-01 07:34:04');
  },
);

t.test('two forwarders share the load; one killed mid-batch loses and doubles nothing', async (t) => {
  const s = await site({ latencyMs: 5 });
  const a = await forwarder('scale', s, { clientId: 'bfwd-scale-a', drainTimeoutMs: 0 });
  const b = await forwarder('scale', s, { clientId: 'bfwd-scale-b' });
  await publish('scale', many(400));
  await until('both at work', () => a.stats.acked > 0 && b.stats.acked > 0, 30_000);
  // as good as a crash: no drain, so its batches' writes run on while their PUBACKs are lost with the
  // connection; its unacknowledged punches stay in its session at the broker until it is back
  await a.stop();
  const restarted: Forwarder = await forwarder('scale', s, { clientId: 'bfwd-scale-a' });
  await until('400 synced', () => synced(s) === 400, 40_000);
  await Promise.all([restarted.stop(), b.stop()]);
  exactlyOnce(t, s, 400);
  t.ok(b.stats.acked >= 100, `the other forwarder took its share (${b.stats.acked})`);
});

t.test('a time no terminal could stamp is parked with its Raw Log as Error, never a Checkin', async (t) => {
  const s = await site();
  const f = await forwarder('when', s);
  const at = (deviceTime: string, user: string) =>
    makePunchEvent({
      deviceId: 'X05-1',
      site: 'when',
      userId: user,
      deviceTime,
      timezone: 'Europe/Berlin',
      punch: 0,
      verify: 1,
      source: 'push',
      receivedAt: new Date(),
      clockOffsetS: null,
      raw: '',
    });
  const tomorrowPlus = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 19);
  const bad = [
    at('2099-12-31T08:00:00', USERS[0]!),
    at('2024-02-30T08:00:00', USERS[1]!),
    at('2024-05-01T25:00:00', USERS[2]!),
    at('1999-12-31T23:00:00', USERS[3]!),
    at(tomorrowPlus, USERS[0]!),
  ];
  const good = at('2024-05-01T08:00:00', USERS[1]!);
  await publishAsIs([...bad, good]);
  await until('6 acked', () => f.stats.acked === 6, 10_000);
  await f.stop();
  t.equal(s.checkins.length, 1, 'only the plausible punch became a Checkin');
  for (const e of bad) {
    const raw = s.rawLogs.find((r) => r.name === e.id);
    t.match(raw, { status: 'Error', error: /^implausible time/ }, `${e.device_time} parked`);
  }
  t.equal(f.stats.rejected, 5);
});

t.test('last_sync_of_checkin is never set later than the forwarder clock', async (t) => {
  const s = await site();
  s.db.put({ doctype: 'Shift Type', name: 'Ahead', last_sync_of_checkin: null });
  const f = await forwarder('ahead', s, { shiftTypes: [{ name: 'Ahead', devices: ['X05-1'] }] });
  // a terminal whose clock runs 12 h fast: plausible (under a day), so it is written
  const fast = formatWallTimeIn(Date.now() + 12 * 3600_000, 'Europe/Berlin').replace(' ', 'T');
  const e = makePunchEvent({
    deviceId: 'X05-1',
    site: 'ahead',
    userId: USERS[0]!,
    deviceTime: fast,
    timezone: 'Europe/Berlin',
    punch: 0,
    verify: 1,
    source: 'pull',
    receivedAt: new Date(),
    clockOffsetS: 43_200,
    raw: '',
  });
  const before = formatWallTimeIn(Date.now(), 'Asia/Kolkata');
  await publishAsIs([e]);
  await until('acked', () => f.stats.acked === 1, 10_000);
  await f.stop();
  const after = formatWallTimeIn(Date.now(), 'Asia/Kolkata');
  t.equal(s.checkins.length, 1, 'the punch is a Checkin');
  const lastSync = String(s.db.get('Shift Type', 'Ahead')?.last_sync_of_checkin);
  t.ok(lastSync >= before && lastSync <= after, `${lastSync} is the forwarder's now, not the punch's time`);
});
