/**
 * Incremental sync with the store's per-device cursor: a second sync stores only what is new, an unchanged
 * count skips the read, a cleared or wrapped log is noticed and nothing is lost or doubled.
 */
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { DevicePoller } from '../../src/device/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

async function setup(t: Test, simOpts: Parameters<typeof startSimulator>[0]) {
  const sim = await startSimulator({ serial: 'INC-1', logger, ...simOpts });
  t.teardown(() => sim.stop());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const poller = new DevicePoller({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 5000,
    intervalMs: 60_000,
    label: 'inc',
    sink: store,
    logger,
  });
  return { sim, store, poller };
}

let minute = 0;
const punch = (userId: string): AttlogRecord => {
  minute++;
  return {
    uid: 1,
    userId,
    verify: 1,
    punch: 0,
    deviceTime: `2026-11-30T${String(10 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`,
    workcode: 0,
  };
};

async function stored(store: PunchStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.rawLog()) out.push(e.id);
  return out;
}

t.test('second sync: count unchanged, read skipped; then only the new punches', async (t) => {
  const { sim, store, poller } = await setup(t, { records: 500 });
  const first = await poller.syncOnce();
  t.equal(first.stored, 500);
  t.match(await store.cursor('INC-1'), { records: 500, record_size: 40 });

  const second = await poller.syncOnce();
  t.equal(second.result.unchanged, true, 'same count below capacity: no bulk read');
  t.equal(second.result.newPunches, 0);

  for (const u of ['1001', '1002', '1003']) sim.device.addPunch(punch(u));
  const third = await poller.syncOnce();
  t.equal(third.result.unchanged, false);
  t.equal(third.result.newPunches, 3, 'only the records past the cursor become events');
  t.equal(third.result.skipped, 500);
  t.equal(third.stored, 3);
  t.match(await store.cursor('INC-1'), { records: 503 });
  const ids = await stored(store);
  t.equal(ids.length, 503);
  t.equal(new Set(ids).size, 503, 'nothing doubled');
});

t.test('log cleared on the terminal: count went down, everything read again, nothing doubled', async (t) => {
  const { sim, store, poller } = await setup(t, { records: 200 });
  await poller.syncOnce();
  sim.device.dropOldest();
  sim.device.addPunch(punch('1004'));
  const r = await poller.syncOnce();
  t.equal(r.result.change, 'cleared');
  t.equal(r.result.newPunches, 1);
  t.equal(r.stored, 1);
  t.equal((await stored(store)).length, 201);
  t.match(await store.cursor('INC-1'), { records: 1 });
});

t.test('full log wraps (count stays at capacity): the new punches are found anyway', async (t) => {
  const { sim, store, poller } = await setup(t, { records: 100, recordCapacity: 100 });
  await poller.syncOnce();
  for (const u of ['1005', '1006']) sim.device.addPunch(punch(u));
  t.equal(sim.device.records.length, 100, 'oldest records overwritten');
  const r = await poller.syncOnce();
  t.equal(r.result.unchanged, false, 'a full log is always read');
  t.equal(r.result.change, 'wrapped');
  t.equal(r.stored, 2, 'the two new punches; the 98 others were already held');
  t.equal((await stored(store)).length, 102);
});

t.test('a transfer cut mid-chunk stores nothing and leaves the cursor; the retry completes it', async (t) => {
  const { sim, store, poller } = await setup(t, { records: 3000, maxDataPayload: 1008 });
  await poller.syncOnce();
  for (let i = 0; i < 50; i++) sim.device.addPunch(punch(String(3000 + i)));
  sim.device.faults.dropAfterBytes = 60_000;
  await t.rejects(poller.syncOnce(), { code: 'X05_CLOSED' });
  t.match(await store.cursor('INC-1'), { records: 3000 }, 'cursor unchanged');
  t.equal((await stored(store)).length, 3000, 'no partial log stored');
  const r = await poller.syncOnce();
  t.equal(r.stored, 50);
  const ids = await stored(store);
  t.equal(ids.length, 3050);
  t.equal(new Set(ids).size, 3050);
});
