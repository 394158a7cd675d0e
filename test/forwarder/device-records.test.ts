import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { Forwarder, ForwarderOptions } from '../../src/forwarder/index.js';
import type { Doc } from '../helpers/frappe-db.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinForwarder } from '../helpers/standin-forwarder.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

function start(broker: Mosquitto, s: FrappeStandin, devices: ForwarderOptions['devices']) {
  return standinForwarder({
    brokerUrl: broker.url,
    frappe: s,
    clientId: 'dev-fwd',
    shareGroup: 'dev',
    topic: 'x05/v1/+/+/punch',
    logger,
    lingerMs: 10,
    devices,
  });
}

/** A fresh broker per test: retained statuses of one test must not reach the next one's forwarder. */
async function rig(t: Test, devices: { staleAfterS: number; minWriteIntervalMs?: number }) {
  const broker = await Mosquitto.start();
  const s = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'UTC',
    employees: ['1', '2'].map((u) => ({ employee_name: `E${u}`, attendance_device_id: u })),
  });
  const gateway = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'gateways' });
  let f = await start(broker, s, { ...devices, tickMs: 50 });
  t.teardown(async () => {
    await f.stop();
    await gateway.endAsync();
    await s.close();
    await broker.close();
  });
  return {
    s,
    gateway,
    f,
    /** Stops the forwarder and starts another in its place (a restart). */
    async restart() {
      await f.stop();
      f = await start(broker, s, { ...devices, tickMs: 50 });
    },
  };
}

/** A gateway's retained device status (src/device/poller.ts DeviceStatus), stamped `agoS` seconds ago. */
function status(
  gateway: MqttClient,
  site: string,
  device: string,
  more: Record<string, unknown> = {},
  agoS = 0,
): Promise<unknown> {
  const payload = {
    device,
    state: 'online',
    last_sync: new Date(Date.now() - agoS * 1000).toISOString(),
    records: 120,
    stored: 0,
    rejected: 0,
    clock_offset_s: 1,
    clock_warning: false,
    address: '10.0.0.5:4370',
    name: `${device} door`,
    mode: 'PULL',
    timezone: 'UTC',
    queued: 0,
    ...more,
  };
  return gateway.publishAsync(`x05/v1/${site}/${device}/status`, JSON.stringify(payload), {
    qos: 1,
    retain: true,
  });
}

const record = (s: FrappeStandin, name: string): Doc | undefined =>
  s.docs('Biometric Device').find((d) => d.name === name);

const puts = (s: FrappeStandin, name: string) =>
  s.requests.filter((r) => r.method === 'PUT' && r.path === `/api/resource/Biometric Device/${name}`).length;

/** Every punch once: one Checkin and one Raw Log per event, none twice. */
function exactlyOnce(t: Test, s: FrappeStandin, n: number, f: Forwarder): void {
  t.equal(s.checkins.length, n, `${n} Checkins`);
  t.equal(new Set(s.checkins.map((c) => c.x05_event_id)).size, n, 'no Checkin twice');
  t.equal(s.rawLogs.length, n, `${n} Raw Logs`);
  t.equal(f.stats.deadLettered, 0, 'nothing dead-lettered');
}

t.test('three terminals on two sites: one record each, kept current as the run-time user', async (t) => {
  // a write slot of 1.5 s instead of a minute, so the last punch (not urgent) shows within the test
  const { s, gateway, f } = await rig(t, { staleAfterS: 3, minWriteIntervalMs: 1500 });
  await status(gateway, 'hq', 'X05-A', { clock_offset_s: 2, last_punch: '2024-05-01T08:01:00' });
  await status(gateway, 'hq', 'X05-B', { address: '10.0.0.6:4370' });
  // a push terminal: its status has no address, and `records` is not a cursor
  await status(gateway, 'branch', 'X05-C', { mode: 'PUSH', address: undefined, records: 3 });
  // minutes 0–3, 10–13 and 20–23 of 08:00, so no two punches of one employee share a time
  const terminals = [
    ['hq', 'X05-A', 0],
    ['hq', 'X05-B', 10],
    ['branch', 'X05-C', 20],
  ] as const;
  for (const [site, device, from] of terminals) {
    await publishPunches(gateway, site, 4, { device, from, userOf: (i) => String(1 + (i % 2)) });
  }
  await until('12 punches written', () => s.rawLogs.length === 12 && f.stats.acked === 12, 20_000);
  await until('three records with their last punch', () =>
    terminals.every(
      ([, d, from]) =>
        record(s, d)?.last_punch_at === `2024-05-01 08:${String(from + 3).padStart(2, '0')}:00`,
    ),
  );
  t.match(record(s, 'X05-A'), {
    device_id: 'X05-A',
    device_name: 'X05-A door',
    site: 'hq',
    host: '10.0.0.5',
    port: 4370,
    mode: 'PULL',
    timezone: 'UTC',
    state: 'online',
    last_sync_at: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
    clock_offset_s: 2,
    clock_warning: 0,
    sync_overdue: 0,
    last_cursor: '120',
    // written by the forwarder's own key, which holds only HR User and Biometric Integration
    owner: 'bio@example.com',
  });
  t.match(record(s, 'X05-B'), { site: 'hq', host: '10.0.0.6' });
  t.match(record(s, 'X05-C'), { site: 'branch', mode: 'PUSH', state: 'online' });
  t.notOk(record(s, 'X05-C')?.host, 'a push terminal calls in: no address');
  t.notOk(record(s, 'X05-C')?.last_cursor, 'a push upload count is not a cursor');
  t.same(new Set(s.rawLogs.map((r) => r.device)), new Set(['X05-A', 'X05-B', 'X05-C']), 'Raw Logs link them');
  t.equal(s.requests.filter((r) => r.status === 403 || r.status === 417).length, 0, 'nothing refused');

  // drift figures below the threshold every 100 ms: not urgent, so at most one write per slot (1.5 s)
  const before = puts(s, 'X05-B');
  for (let i = 2; i <= 11; i++) {
    await status(gateway, 'hq', 'X05-B', { address: '10.0.0.6:4370', clock_offset_s: i });
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(puts(s, 'X05-B') - before <= 1, `${puts(s, 'X05-B') - before} writes for 10 statuses in 1 s`);
  await until('the last drift figure in its next slot', () => record(s, 'X05-B')?.clock_offset_s === 11);

  // moved to a new address (DHCP) and a clock drifting past the threshold: written at once
  await status(gateway, 'hq', 'X05-A', { address: '10.0.0.42:4370', moved_from: '10.0.0.5:4370' });
  await status(gateway, 'hq', 'X05-B', {
    address: '10.0.0.6:4370',
    clock_offset_s: 400,
    clock_warning: true,
  });
  const putsBefore = { a: puts(s, 'X05-A'), b: puts(s, 'X05-B') };
  // B was written just now: a state change does not wait for its next slot (1.5 s)
  await until('clock warning at once', () => record(s, 'X05-B')?.clock_warning === 1, 1000);
  await until('new address', () => record(s, 'X05-A')?.host === '10.0.0.42');
  t.same({ a: puts(s, 'X05-A'), b: puts(s, 'X05-B') }, { a: putsBefore.a + 1, b: putsBefore.b + 1 });
  t.match(record(s, 'X05-B'), { clock_offset_s: 400, state: 'online' });

  // X05-C's gateway falls silent; A and B keep reporting: only C turns offline after stale_after_s (3 s)
  const alive = setInterval(() => {
    void status(gateway, 'hq', 'X05-A', { address: '10.0.0.42:4370' });
    void status(gateway, 'hq', 'X05-B', {
      address: '10.0.0.6:4370',
      clock_offset_s: 400,
      clock_warning: true,
    });
  }, 300);
  t.teardown(() => clearInterval(alive));
  await until('X05-C offline', () => record(s, 'X05-C')?.state === 'offline', 10_000);
  clearInterval(alive);
  t.equal(record(s, 'X05-A')?.state, 'online');
  t.equal(record(s, 'X05-B')?.state, 'online');
  exactlyOnce(t, s, 12, f);
});

t.test('a retained status from a gateway gone for two days: offline and not synced for a day', async (t) => {
  const { s, gateway } = await rig(t, { staleAfterS: 86_400 });
  await status(gateway, 'hq', 'X05-OLD', {}, 2 * 86_400);
  await status(gateway, 'hq', 'X05-NEW', {});
  await until('both records', () => record(s, 'X05-OLD') !== undefined && record(s, 'X05-NEW') !== undefined);
  t.match(record(s, 'X05-OLD'), { state: 'offline', sync_overdue: 1 });
  t.match(record(s, 'X05-NEW'), { state: 'online', sync_overdue: 0 });
});

t.test('a restarted forwarder reads the records and rewrites nothing that did not change', async (t) => {
  const { s, gateway, restart } = await rig(t, { staleAfterS: 86_400 });
  await status(gateway, 'hq', 'X05-A', { clock_offset_s: 3 });
  await status(gateway, 'branch', 'X05-B', { mode: 'PUSH', address: undefined });
  await until('both records', () => record(s, 'X05-A') !== undefined && record(s, 'X05-B') !== undefined);
  await restart();
  s.requests.length = 0;
  // the new forwarder gets both retained statuses again and loads the records at its first tick
  await until('the records loaded', () =>
    s.requests.some((r) => r.method === 'GET' && r.path === '/api/resource/Biometric Device'),
  );
  await new Promise((r) => setTimeout(r, 500));
  t.same(
    s.requests.filter((r) => r.method !== 'GET'),
    [],
    'no write: what Frappe holds is what the statuses say',
  );
});

t.test(
  'Frappe refuses record writes for a while: punches go through, each once; records catch up',
  async (t) => {
    const { s, gateway, f } = await rig(t, { staleAfterS: 86_400 });
    await status(gateway, 'hq', 'X05-A', {});
    await publishPunches(gateway, 'hq', 2, { device: 'X05-A' });
    await until(
      'the record and the first punches',
      () => record(s, 'X05-A') !== undefined && s.rawLogs.length === 2,
    );
    // the site answers 502 to record writes (retried after 1, 2, 4 s) while punches keep coming
    s.failNext(3, { status: 502, match: /^PUT \/api\/resource\/Biometric Device\// });
    await status(gateway, 'hq', 'X05-A', { state: 'error', error: 'connect ETIMEDOUT 10.0.0.5:4370' });
    await publishPunches(gateway, 'hq', 40, { device: 'X05-A', from: 2, userOf: (i) => String(1 + (i % 2)) });
    await until('42 punches written', () => f.stats.acked === 42, 20_000);
    t.ok(
      s.requests.some((r) => r.status === 502),
      'written while record writes were refused',
    );
    t.equal(record(s, 'X05-A')?.state, 'online', 'the record still waits for Frappe');
    await until(
      'the record catches up after the outage',
      () => record(s, 'X05-A')?.state === 'error',
      15_000,
    );
    t.match(record(s, 'X05-A'), { last_error: 'connect ETIMEDOUT 10.0.0.5:4370' });
    t.equal(s.requests.filter((r) => r.status === 502).length, 3, 'every refusal was met');
    exactlyOnce(t, s, 42, f);
  },
);
