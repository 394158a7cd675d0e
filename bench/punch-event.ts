/**
 * The per-punch work after decode, on the 100,000 decoded records of one full download, in this process,
 * each the fastest of ROUNDS rounds:
 * - PunchEvents made as a sync makes them (punchEventMaker: sha1 id, the raw hex, the fields);
 * - their JSON lines as `pull` writes them (punchEventLines, UTF-8 bytes), a batch of 5,000 at a time,
 *   against JSON.stringify per event joined and encoded to UTF-8 as a write of the text does;
 * - the store's time check of each punch (implausibleTime: wall time → instant in the device's zone),
 *   against one ICU formatToParts call per punch, which each check made three or four of before
 *   wall-clock.ts kept a zone's offset per hour.
 */
import { decodeAttlogSlots, encodeAttlogDataset, slotHex } from '../protocol/zk/attlog-dataset.js';
import { BATCH_SLOTS } from '../src/device/punch-batches.js';
import { punchEventLines } from '../src/event/json-lines.js';
import { implausibleTime } from '../src/event/plausible-time.js';
import { type PunchEvent, punchEventMaker } from '../src/event/punch-event.js';
import { generatePunches, generateUsers } from '../src/sim/generate.js';
import { type BenchResult, figure } from './result.js';

const RECORDS = Number(process.env.BENCH_EVENT_RECORDS ?? 100_000);
const ROUNDS = 7;
const ZONE = 'Europe/Berlin';

/** Runs `work` ROUNDS times; items per second of the fastest round. */
function rate(items: number, work: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    work();
    best = Math.min(best, performance.now() - t0);
  }
  return items / (best / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const users = generateUsers(5, 200);
  const punches = generatePunches(5, users, RECORDS, {
    year: 2026,
    month: 3,
    day: 1,
    hour: 0,
    minute: 0,
    second: 0,
  });
  const dataset = encodeAttlogDataset(punches, 40);
  const slots = { recordSize: 40 as const, recordBytes: dataset.subarray(4) };
  const { records } = decodeAttlogSlots(slots, 0, RECORDS);
  const shared = {
    deviceId: 'BENCH-EV',
    site: 'bench',
    timezone: ZONE,
    source: 'pull' as const,
    receivedAt: new Date(),
    clockOffsetS: 0,
  };
  let events: PunchEvent[] = [];
  const making = rate(RECORDS, () => {
    const make = punchEventMaker(shared);
    events = records.map((r) => make(r, slotHex(slots, r.index)));
  });
  // as pull writes them: 5,000 events at a time, each batch's text encoded to UTF-8 bytes by its write
  const batches = Array.from({ length: Math.ceil(RECORDS / BATCH_SLOTS) }, (_, i) =>
    events.slice(i * BATCH_SLOTS, (i + 1) * BATCH_SLOTS),
  );
  const encoded = (text: (batch: PunchEvent[]) => string | Buffer) => () =>
    batches.reduce((bytes, batch) => {
      const t = text(batch);
      return bytes + (typeof t === 'string' ? Buffer.from(t) : t).length;
    }, 0);
  const stringify = rate(
    RECORDS,
    encoded((batch) => `${batch.map((e) => JSON.stringify(e)).join('\n')}\n`),
  );
  const lines = rate(RECORDS, encoded(punchEventLines));
  const now = Date.now();
  const checks = rate(
    RECORDS,
    () => events.filter((e) => implausibleTime(e.device_time, e.timezone, now)).length,
  );
  const icu = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });
  const icuPerPunch = rate(RECORDS, () =>
    events.map((e) => icu.formatToParts(Date.parse(`${e.device_time}Z`))),
  );
  const stringifyFig = { name: 'PunchEvent JSON: JSON.stringify per event', value: stringify };
  const icuFig = { name: `one ICU formatToParts call per punch (${ZONE})`, value: icuPerPunch };
  return [
    figure(
      `PunchEvent construction (punchEventMaker: sha1 id, raw hex), ${RECORDS} decoded records`,
      making,
      'events/s',
    ),
    figure(stringifyFig.name, stringify, 'events/s'),
    figure('PunchEvent JSON lines as pull writes them (punchEventLines)', lines, 'events/s', stringifyFig),
    figure(icuFig.name, icuPerPunch, 'events/s'),
    figure(`the store's time check per punch (implausibleTime, ${ZONE})`, checks, 'events/s', icuFig),
  ];
}
