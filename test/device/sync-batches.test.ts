/**
 * A sync holds one batch of punches at a time, so memory stays flat: a log of three and a half batches
 * (17,500 punches) reaches the store in batches of at most BATCH_SLOTS, the last one part-full, each with
 * the cursor covering exactly the slots up to it, so a sync cut short between batches leaves a cursor that
 * never runs ahead of what is stored, and the next sync reads again only what is not.
 */
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { isLogCursor, type LogCursor } from '../../src/device/index.js';
import { BATCH_SLOTS } from '../../src/device/punch-batches.js';
import type { PunchSink } from '../../src/event/punch-sink.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { simPoller } from '../helpers/sim-poller.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });
// three full batches and a part-full one: every boundary case a longer log has, at a third of the work
const PUNCHES = 3.5 * BATCH_SLOTS;

interface Accepted {
  size: number;
  cursor: LogCursor;
  /** What the store held once this batch was written. */
  storedSoFar: number;
}

/** The store, recording every batch it is handed; `failAt` makes that batch (1-based) fail unwritten. */
function recordingSink(store: PunchStore, failAt?: number) {
  const batches: Accepted[] = [];
  let storedSoFar = 0;
  const sink: PunchSink = {
    accept: async (events, opts) => {
      if (batches.length + 1 === failAt) throw new Error('power cut before the batch was written');
      const r = await store.accept(events, opts);
      storedSoFar += r.stored;
      const cursor = opts!.cursor!.value;
      if (!isLogCursor(cursor))
        throw new Error(`the poller stored a cursor that is not a log cursor: ${cursor}`);
      batches.push({ size: events.length, cursor, storedSoFar });
      return r;
    },
    cursor: (device) => store.cursor(device),
  };
  return { sink, batches };
}

async function setup(t: Test) {
  const sim = await startSimulator({ records: PUNCHES, serial: 'BATCH-1', logger });
  t.teardown(() => sim.stop());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const poller = (sink: PunchSink, realtime = false) =>
    simPoller(sim, {
      label: 'batches',
      sink,
      logger,
      ...(realtime ? { realtime, heartbeatMs: 60_000 } : {}),
    });
  return { sim, store, poller };
}

async function storedIds(store: PunchStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.rawLog()) ids.push(e.id);
  return ids;
}

/** Batches no larger than the bound, cursors rising one batch at a time and matching what was stored. */
function checkBatches(t: Test, batches: readonly Accepted[], from: number, storedBefore: number): void {
  t.ok(
    batches.every((b) => b.size > 0 && b.size <= BATCH_SLOTS),
    `every batch holds 1–${BATCH_SLOTS} punches`,
  );
  let covered = from;
  for (const b of batches) {
    covered += b.size;
    if (b.cursor.records !== covered || b.storedSoFar + storedBefore !== covered)
      t.fail(`cursor ${b.cursor.records}, covered ${covered}, stored ${b.storedSoFar + storedBefore}`);
  }
  t.equal(covered, PUNCHES, 'the last cursor covers the whole log');
}

t.test('a 17,500-punch sync is stored in bounded batches, each with the cursor covering it', async (t) => {
  const { store, poller } = await setup(t);
  const { sink, batches } = recordingSink(store);
  const { result, stored } = await poller(sink).syncOnce();
  t.equal(stored, PUNCHES);
  t.equal(result.newPunches, PUNCHES);
  t.equal(batches.length, Math.ceil(PUNCHES / BATCH_SLOTS));
  checkBatches(t, batches, 0, 0);
  t.match(await store.cursor('BATCH-1'), { records: PUNCHES, last: batches.at(-1)!.cursor.last });
  const ids = await storedIds(store);
  t.equal(ids.length, PUNCHES);
  t.equal(new Set(ids).size, PUNCHES, 'every punch stored once');
});

t.test('a sync cut short after two batches: the next one reads only what is not stored', async (t) => {
  const { store, poller } = await setup(t);
  const cut = recordingSink(store, 3);
  await t.rejects(poller(cut.sink).syncOnce(), { message: /power cut/ });
  t.equal(cut.batches.length, 2);
  t.match(await store.cursor('BATCH-1'), { records: 2 * BATCH_SLOTS }, 'the cursor of the last stored batch');
  t.equal((await storedIds(store)).length, 2 * BATCH_SLOTS);

  const next = recordingSink(store);
  const { result, stored } = await poller(next.sink).syncOnce();
  t.equal(result.change, 'none', 'the log did not change: the cursor still matches it');
  t.equal(result.skipped, 2 * BATCH_SLOTS, 'the stored slots are not made into punches again');
  t.equal(result.newPunches, PUNCHES - 2 * BATCH_SLOTS);
  t.equal(stored, PUNCHES - 2 * BATCH_SLOTS, 'no duplicate offered to the store');
  checkBatches(t, next.batches, 2 * BATCH_SLOTS, 2 * BATCH_SLOTS);
  const ids = await storedIds(store);
  t.equal(ids.length, PUNCHES);
  t.equal(new Set(ids).size, PUNCHES, 'every punch stored once');
});

t.test('the realtime catch-up read is stored in the same bounded batches', async (t) => {
  const { store, poller } = await setup(t);
  const { sink, batches } = recordingSink(store);
  const p = poller(sink, true);
  p.start();
  try {
    await until('catch-up stored', () => batches.at(-1)?.cursor.records === PUNCHES, 60_000);
  } finally {
    await p.stop();
  }
  checkBatches(t, batches, 0, 0);
  t.equal(new Set(await storedIds(store)).size, PUNCHES);
});
