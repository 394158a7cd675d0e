/**
 * A sync that hands batches over while the log arrives (what `pull` does) must hand over exactly what a
 * sync that waits for the whole log does: the same punches in the same batches with the same cursors, in
 * every record layout, for a log small enough to come in one answer, from a cursor, and from a log that
 * wrapped. The first batch must come before the last chunk is in, or nothing was gained; a sink that
 * fails mid-read ends the sync with its error.
 */
import { pino } from 'pino';
import t from 'tap';
import type { LogCursor } from '../../src/device/log-cursor.js';
import { type PullOptions, syncDevice } from '../../src/device/pull.js';
import type { PunchBatch } from '../../src/device/punch-batches.js';
import { startSimulator } from '../../src/sim/index.js';

const logger = pino({ level: 'silent' });
// 6,000 punches are 4–6 TCP chunks in the wider layouts; 700-slot batches do not divide the chunks
const PUNCHES = 6000;
const BATCH = 700;

interface Seen {
  batches: { cursor: LogCursor; punches: string[] }[];
  /** Dataset bytes in when each batch came. */
  receivedAtBatch: number[];
  total: number;
}

const options = (sim: { host: string; port: number }, batchesWhileReading: boolean): PullOptions => ({
  host: sim.host,
  port: sim.port,
  site: 'hq',
  timezone: 'UTC',
  timeoutMs: 10_000,
  batchSlots: BATCH,
  batchesWhileReading,
});

async function sync(
  sim: { host: string; port: number },
  batchesWhileReading: boolean,
  extra: Partial<PullOptions> = {},
): Promise<Seen & { report: Awaited<ReturnType<typeof syncDevice>> }> {
  const seen: Seen = { batches: [], receivedAtBatch: [], total: 0 };
  let received = 0;
  const report = await syncDevice(
    {
      ...options(sim, batchesWhileReading),
      onProgress: (p) => {
        received = p.received;
        seen.total = p.total;
      },
      ...extra,
    },
    async (batch: PunchBatch) => {
      seen.receivedAtBatch.push(received);
      // what a punch is, without the time it was received
      seen.batches.push({
        cursor: batch.cursor,
        punches: batch.events.map((e) => `${e.id}|${e.user_id}|${e.device_time}|${e.raw}|${e.uid_only}`),
      });
    },
  );
  return { ...seen, report };
}

const comparable = (r: Awaited<ReturnType<typeof sync>>) => {
  const { deviceTime: _d, clockOffsetS: _c, ...rest } = r.report;
  return { batches: r.batches, report: rest };
};

for (const recordSize of [40, 49, 22, 16, 8] as const)
  t.test(`${recordSize}-byte records: the same batches and cursors as a sync that waits`, async (t) => {
    const sim = await startSimulator({ records: PUNCHES, users: 40, recordSize, serial: 'WHILE-1', logger });
    t.teardown(() => sim.stop());
    const waiting = await sync(sim, false);
    const streaming = await sync(sim, true);
    t.same(comparable(streaming), comparable(waiting));
    t.equal(streaming.report.newPunches, PUNCHES);
    if (recordSize === 8)
      t.ok(
        streaming.receivedAtBatch.every((r) => r === streaming.total),
        'uid-only records wait for the user list, read after the log',
      );
    else
      t.ok(
        streaming.receivedAtBatch[0]! < streaming.total,
        `the first batch came with ${streaming.receivedAtBatch[0]} of ${streaming.total} bytes in`,
      );
  });

for (const records of [0, 20])
  t.test(`a log of ${records} punches, sent in one answer: the same as a sync that waits`, async (t) => {
    const sim = await startSimulator({ records, users: 5, serial: 'WHILE-0', logger });
    t.teardown(() => sim.stop());
    const streaming = await sync(sim, true);
    t.same(comparable(streaming), comparable(await sync(sim, false)));
    t.equal(streaming.report.newPunches, records);
    t.equal(streaming.batches.length, 1, 'one batch, empty for an empty log, carrying the cursor');
  });

t.test('from a cursor, and from a cursor the log no longer holds (wrapped)', async (t) => {
  const sim = await startSimulator({ records: PUNCHES, users: 40, serial: 'WHILE-2', logger });
  t.teardown(() => sim.stop());
  const first = await sync(sim, false);
  // the cursor a sync cut short after its third batch left
  const cursor = first.batches[2]!.cursor;
  t.equal(cursor.records, 3 * BATCH);
  // the terminal counts 6,000, past either cursor: the log is read
  for (const since of [cursor, { ...cursor, last: 'ff'.repeat(40) }]) {
    const waiting = await sync(sim, false, { since: async () => since });
    const streaming = await sync(sim, true, { since: async () => since });
    t.same(comparable(streaming), comparable(waiting));
    t.equal(streaming.report.skipped, since === cursor ? 3 * BATCH : 0);
    t.equal(streaming.report.change, since === cursor ? 'none' : 'wrapped');
  }
});

t.test('a sink that fails while the log arrives ends the sync with its error', async (t) => {
  const sim = await startSimulator({ records: PUNCHES, users: 40, serial: 'WHILE-3', logger });
  t.teardown(() => sim.stop());
  let batches = 0;
  const failing = syncDevice(options(sim, true), async () => {
    if (++batches === 2) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  });
  await t.rejects(failing, { code: 'ENOSPC' });
  t.equal(batches, 2, 'no batch after the failed one');
  // the terminal is free again: the next sync completes
  t.equal((await sync(sim, true)).report.newPunches, PUNCHES);
});
