/**
 * A terminal is its serial, not its address: after a new DHCP lease the poller finds it again in its
 * `discover` range, never adopts a terminal with another serial, and stores every punch once. Real sockets:
 * simulators on their own 127.0.23.x loopback addresses (Linux routes 127.0.0.0/8 to lo), all on one port
 * as terminals on a LAN all listen on 4370.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { discoverEntryProblem, expandDiscover } from '../../src/address/address-range.js';
import { DevicePoller, type DeviceStatus, type PollerOptions } from '../../src/device/index.js';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const silent = pino({ level: 'silent' });
const NET = '127.0.23';
/** Configured address: nothing listens there any more (the terminal's old lease). */
const OLD = `${NET}.2`;
const DECOY = `${NET}.5`;
const RIGHT = `${NET}.9`;

/** A JSON logger whose lines the test can read. */
function recordingLogger(): { logger: PollerOptions['logger']; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

async function sim(t: Test, host: string, port: number, o: SimulatorOptions): Promise<Simulator> {
  const s = await startSimulator({ host, port, logger: silent, ...o });
  t.teardown(() => s.stop());
  return s;
}

async function stored(store: PunchStore): Promise<PunchEvent[]> {
  const out: PunchEvent[] = [];
  for await (const e of store.rawLog()) out.push(e);
  return out;
}

function poller(t: Test, o: Partial<PollerOptions> & Pick<PollerOptions, 'port' | 'sink'>): DevicePoller {
  const p = new DevicePoller({
    host: OLD,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 1000,
    intervalMs: 60_000,
    maxBackoffMs: 300,
    expectedSerial: 'DISC-1',
    discover: [`${NET}.0/28`],
    discoveryTimeoutMs: 300,
    discoveryConcurrency: 4,
    label: 'front-door',
    logger: silent,
    ...o,
  });
  p.start();
  t.teardown(() => p.stop());
  return p;
}

t.test(
  'discover entries: CIDR blocks without network and broadcast, ranges, hosts; bad ones named',
  async (t) => {
    const block = expandDiscover(['192.168.1.0/24']);
    t.equal(block.length, 254);
    t.equal(block[0], '192.168.1.1');
    t.equal(block.at(-1), '192.168.1.254');
    t.same(expandDiscover(['10.0.0.20-22', '10.0.0.21-10.0.0.23', 'term.local', '10.0.0.7/32']), [
      '10.0.0.20',
      '10.0.0.21',
      '10.0.0.22',
      '10.0.0.23',
      'term.local',
      '10.0.0.7',
    ]);
    t.equal(discoverEntryProblem('10.0.0.0/20'), undefined);
    t.match(discoverEntryProblem('10.0.0.0/19'), /8190 addresses; at most 4096/);
    t.match(discoverEntryProblem('10.0.0.9-10.0.0.3'), /range/);
    t.match(discoverEntryProblem('10.0.0.300/24'), /CIDR/);
    t.match(discoverEntryProblem('front door'), /not a host/);
    t.throws(() => expandDiscover(['10.0.0.0/8']), { code: 'X05_CONFIG', entry: '10.0.0.0/8' });
  },
);

t.test('moved terminal: found by serial in the range, decoy left alone, punches stored once', async (t) => {
  const right = await sim(t, RIGHT, 0, { serial: 'DISC-1', records: 400, seed: 3, commKey: 4242 });
  // the decoy shares the comm key, so only the serial tells them apart
  const decoy = await sim(t, DECOY, right.port, { serial: 'DECOY-9', records: 300, seed: 4, commKey: 4242 });
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const statuses: DeviceStatus[] = [];
  const { logger, lines } = recordingLogger();
  const p = poller(t, {
    port: right.port,
    sink: store,
    logger,
    commKey: 4242,
    intervalMs: 100,
    onStatus: (s) => statuses.push(s),
  });
  await until(
    'three syncs at the new address',
    () => statuses.filter((s) => s.state === 'online').length >= 3,
  );

  const online = statuses.find((s) => s.state === 'online')!;
  t.match(online, {
    device: 'DISC-1',
    address: `${RIGHT}:${right.port}`,
    moved_from: `${OLD}:${right.port}`,
    moved_at: String,
  });
  t.equal(p.address, `${RIGHT}:${right.port}`);
  const moved = lines.find(
    (l) => l.msg === `terminal DISC-1 moved: ${OLD}:${right.port} → ${RIGHT}:${right.port}`,
  );
  t.match(moved, { level: 40, device: 'DISC-1', from: `${OLD}:${right.port}`, to: `${RIGHT}:${right.port}` });
  t.match(moved?.others, { [DECOY]: 'DECOY-9' }, 'the decoy was seen and named, not adopted');
  t.equal(lines.filter((l) => String(l.msg).includes('moved')).length, 1, 'moved once, then stayed');

  const events = await stored(store);
  t.ok(
    events.every((e) => e.device_id === 'DISC-1'),
    'nothing from the decoy',
  );
  t.same(
    events.map((e) => `${e.user_id}|${e.device_time}|${e.punch}`).sort(),
    [...new Set(right.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`))].sort(),
    'every punch of the terminal exactly once, after three syncs',
  );
  t.ok(decoy.device.records.length > 0);
  t.match(
    await store.cursor('DISC-1'),
    { address: RIGHT, configured: OLD },
    'new address kept with the cursor',
  );
});

t.test('a restart goes straight to the remembered address; a config edit wins over it', async (t) => {
  const right = await sim(t, RIGHT, 0, { serial: 'DISC-1', records: 50, seed: 5 });
  const dir = tempDir(t);
  let store = await PunchStore.open(dir);
  const first: DeviceStatus[] = [];
  const p1 = poller(t, { port: right.port, sink: store, onStatus: (s) => first.push(s) });
  await until('first sync', () => first.some((s) => s.state === 'online'));
  await p1.stop();
  await store.close();

  store = await PunchStore.open(dir);
  t.teardown(() => store.close());
  const { logger, lines } = recordingLogger();
  const again: DeviceStatus[] = [];
  poller(t, { port: right.port, sink: store, logger, onStatus: (s) => again.push(s) });
  await until('sync after restart', () => again.some((s) => s.state === 'online'));
  t.match(lines, [
    { msg: 'using the address the terminal was last found at', address: `${RIGHT}:${right.port}` },
  ]);
  t.notOk(
    lines.some((l) => l.msg === 'terminal lost at its address; discovering'),
    'no scan',
  );
  t.equal((await stored(store)).length, 50, 'no punch stored twice across the restart');

  // the engineer configured another host since: the remembered address is not used, discovery still is
  const edited: DeviceStatus[] = [];
  const { logger: l2, lines: lines2 } = recordingLogger();
  poller(t, { host: `${NET}.3`, port: right.port, sink: store, logger: l2, onStatus: (s) => edited.push(s) });
  await until('sync after the edit', () => edited.some((s) => s.state === 'online'));
  t.ok(lines2.some((l) => l.msg === 'terminal lost at its address; discovering'));
  t.match(
    edited.find((s) => s.state === 'online'),
    { moved_from: `${NET}.3:${right.port}` },
  );
});

t.test('another serial at the configured address: refused there, terminal found elsewhere', async (t) => {
  const right = await sim(t, RIGHT, 0, { serial: 'DISC-1', records: 20, seed: 6 });
  await sim(t, OLD, right.port, { serial: 'DECOY-9', records: 30, seed: 7 });
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const statuses: DeviceStatus[] = [];
  poller(t, { port: right.port, sink: store, onStatus: (s) => statuses.push(s) });
  await until('synced', () => statuses.some((s) => s.state === 'online'));
  t.match(
    statuses.find((s) => s.state === 'online'),
    {
      address: `${RIGHT}:${right.port}`,
      moved_from: `${OLD}:${right.port}`,
    },
  );
  const events = await stored(store);
  t.equal(events.length, 20);
  t.ok(events.every((e) => e.device_id === 'DISC-1'));
});

t.test('only a decoy in range: never adopted, a typed error naming what answered', async (t) => {
  const decoy = await sim(t, DECOY, 0, { serial: 'DECOY-9', records: 30, seed: 8 });
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const statuses: DeviceStatus[] = [];
  const { logger, lines } = recordingLogger();
  poller(t, { port: decoy.port, sink: store, logger, onStatus: (s) => statuses.push(s) });
  await until('two failed syncs', () => statuses.filter((s) => s.state === 'error').length >= 2);
  t.match(statuses[0], {
    device: 'DISC-1',
    state: 'error',
    address: `${OLD}:${decoy.port}`,
    error:
      /DISC-1 lost at .* not found among 13 discover addresses \(other terminals: 127\.0\.23\.5=DECOY-9\)/,
  });
  t.notOk(statuses.some((s) => s.state === 'online'));
  t.match(
    lines.find((l) => l.msg === 'sync failed'),
    {
      err: { code: 'X05_SESSION', serial: 'DISC-1', probed: 13, others: { [DECOY]: 'DECOY-9' } },
    },
  );
  t.equal((await stored(store)).length, 0, 'nothing stored from the decoy');
});

t.test('realtime: the terminal moves while connected; found again, no punch lost or doubled', async (t) => {
  const opts = { serial: 'DISC-1', records: 100, seed: 9 };
  const before = await sim(t, RIGHT, 0, opts);
  const port = before.port;
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const statuses: DeviceStatus[] = [];
  poller(t, {
    host: RIGHT,
    port,
    sink: store,
    realtime: true,
    heartbeatMs: 200,
    onStatus: (s) => statuses.push(s),
  });
  await until('catch-up read', () => statuses.some((s) => s.state === 'online'));
  const u = before.device.users[0]!;
  before.device.addPunch({
    uid: u.uid,
    userId: u.userId,
    verify: 1,
    punch: 0,
    deviceTime: '2026-12-01T08:00:00',
    workcode: 0,
  });
  await until('realtime punch stored', () => store.outboxDepth === 101);

  // new lease: the same terminal (same log) now answers at .11 and nothing at .9
  await before.stop();
  const after = await sim(t, `${NET}.11`, port, opts);
  after.device.addPunch({
    uid: u.uid,
    userId: u.userId,
    verify: 1,
    punch: 0,
    deviceTime: '2026-12-01T08:00:00',
    workcode: 0,
  });
  await until('catch-up at the new address', () => statuses.filter((s) => s.state === 'online').length >= 2);
  after.device.addPunch({
    uid: u.uid,
    userId: u.userId,
    verify: 1,
    punch: 1,
    deviceTime: '2026-12-01T17:00:00',
    workcode: 0,
  });
  await until('event from the new address', () => store.outboxDepth === 102);
  t.match(statuses.filter((s) => s.state === 'online').at(-1), {
    address: `${NET}.11:${port}`,
    moved_from: `${RIGHT}:${port}`,
  });
  const events = await stored(store);
  t.equal(events.length, 102, '100 logged + 2 new punches, each once');
  t.equal(new Set(events.map((e) => e.id)).size, 102);
});
