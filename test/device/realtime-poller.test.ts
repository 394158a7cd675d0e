/**
 * The realtime poller against the simulator's fault switches: link cut, corrupt frame, unanswered probe.
 * After every reconnect a catch-up read fills the gap; no stored punch is lost or doubled.
 */
import { pino } from 'pino';
import t from 'tap';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { Command } from '../../protocol/zk/commands.js';
import { DevicePoller, type DeviceStatus } from '../../src/device/index.js';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

let n = 0;
const punch = (): AttlogRecord => {
  n++;
  return {
    uid: n,
    userId: String(5000 + n),
    verify: 1,
    punch: 1,
    deviceTime: `2026-11-30T18:${String(n).padStart(2, '0')}:00`,
    workcode: 0,
  };
};

async function all(store: PunchStore): Promise<PunchEvent[]> {
  const out: PunchEvent[] = [];
  for await (const e of store.rawLog()) out.push(e);
  return out;
}

t.test('realtime with faults: every punch stored once, gaps filled by the catch-up read', async (t) => {
  const sim = await startSimulator({ records: 50, serial: 'RTP-1', commKey: 99, logger });
  t.teardown(() => sim.stop());
  const store = await PunchStore.open(tempDir(t));
  const statuses: DeviceStatus[] = [];
  const poller = new DevicePoller({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 1000,
    intervalMs: 60_000,
    realtime: true,
    heartbeatMs: 200,
    maxBackoffMs: 400,
    commKey: 99,
    expectedSerial: 'RTP-1',
    label: 'rtp',
    sink: store,
    logger,
    onStatus: (s) => statuses.push(s),
  });
  poller.start();
  t.teardown(async () => {
    await poller.stop();
    await store.close();
  });
  const count = async () => (await all(store)).length;
  let held = 0;
  const waitFor = async (what: string, want: number) => {
    await until(what, () => held === want, 30_000);
  };
  const refresh = setInterval(() => {
    count().then(
      (c) => {
        held = c;
      },
      () => {},
    );
  }, 50);
  t.teardown(() => clearInterval(refresh));

  await waitFor('initial catch-up', 50);
  sim.device.addPunch(punch());
  await waitFor('realtime punch', 51);
  t.equal((await all(store)).at(-1)?.source, 'realtime');
  await until('its ACK', () => sim.device.eventAcks >= 1, 30_000);

  // link cut: punches made while no session is registered arrive with the catch-up read after reconnect
  sim.dropClients();
  sim.device.addPunch(punch());
  sim.device.addPunch(punch());
  await waitFor('gap filled after reconnect', 53);
  t.same(
    (await all(store)).slice(51).map((e) => e.source),
    ['pull', 'pull'],
  );

  // a corrupt answer to the idle probe: the session is dropped and rebuilt
  const errorsBefore = statuses.filter((s) => s.state === 'error').length;
  sim.device.faults.corruptCommand = Command.GET_TIME;
  await until(
    'error reported',
    () => statuses.filter((s) => s.state === 'error').length > errorsBefore,
    30_000,
  );
  sim.device.addPunch(punch());
  delete sim.device.faults.corruptCommand;
  await waitFor('punch made during the fault', 54);

  // a link cut in the middle of the catch-up read
  sim.device.faults.dropAfterBytes = 300;
  sim.dropClients();
  sim.device.addPunch(punch());
  await waitFor('punch made around the cut', 55);

  const events = await all(store);
  t.equal(new Set(events.map((e) => e.id)).size, 55, 'no punch doubled');
  const wanted = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}`));
  t.same(new Set(events.map((e) => `${e.user_id}|${e.device_time}`)), wanted, 'no punch lost');
  t.ok(statuses.some((s) => s.state === 'online' && s.device === 'RTP-1'));
});

t.test(
  'a live realtime session sends its status again from its heartbeat, not only at connect',
  async (t) => {
    const sim = await startSimulator({ records: 3, serial: 'RTP-2', logger });
    t.teardown(() => sim.stop());
    const store = await PunchStore.open(tempDir(t));
    const statuses: DeviceStatus[] = [];
    const poller = new DevicePoller({
      host: sim.host,
      port: sim.port,
      site: 'hq',
      timezone: 'UTC',
      timeoutMs: 1000,
      intervalMs: 60_000,
      realtime: true,
      heartbeatMs: 100,
      realtimeStatusMs: 300,
      expectedSerial: 'RTP-2',
      label: 'Gate',
      sink: store,
      logger,
      onStatus: (s) => statuses.push(s),
    });
    poller.start();
    t.teardown(async () => {
      await poller.stop();
      await store.close();
    });
    // the forwarder marks a terminal offline when its status stops (devices.stale_after_s)
    await until('three statuses of one session', () => statuses.length >= 3, 10_000);
    t.match(statuses, [
      { device: 'RTP-2', state: 'online', name: 'Gate', mode: 'PULL', timezone: 'UTC', records: 3 },
      { device: 'RTP-2', state: 'online', clock_offset_s: Number, records: 3 },
      { device: 'RTP-2', state: 'online' },
    ]);
    const times = statuses.slice(0, 3).map((s) => Date.parse(s.last_sync));
    t.ok(times[1]! - times[0]! >= 300 && times[2]! - times[1]! >= 300, 'at most one per realtimeStatusMs');
  },
);
