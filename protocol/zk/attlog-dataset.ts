import { RecordError } from '../errors.js';
import {
  ATTLOG_RECORD_SIZES,
  type AttlogRecord,
  type AttlogRecordSize,
  attlogDeviceTime,
  attlogFields,
  decodeAttlogRecord,
  encodeAttlogRecord,
  readAttlogFields,
} from './attlog-record.js';
import { CStringTable } from './c-string.js';
import { PackedTimeText, parseWallTime, wallTimeProblem } from './time.js';

/**
 * A record of a dataset: `index` is its slot in the log (rejected records keep their slots), for incremental
 * sync; its bytes are `slotBytes(dataset, index)`.
 */
export type DatasetRecord = AttlogRecord & { index: number };

/** The records part of an attendance dataset and the layout it is read with. */
export interface AttlogSlots {
  recordSize: AttlogRecordSize;
  /** The records part of the dataset, slot i at i × recordSize. */
  recordBytes: Buffer;
}

/** Records decoded from some slots of a dataset, and the slots rejected among them. */
export interface DecodedSlots {
  records: DatasetRecord[];
  rejected: RecordError[];
}

export interface DecodedAttlog extends AttlogSlots, DecodedSlots {}

/** Whole record slots in the dataset; bytes after the last one are `trailingBytes`. */
export const slotCount = (slots: AttlogSlots): number =>
  Math.floor(slots.recordBytes.length / slots.recordSize);

/** The bytes of slot `index`: a view on the dataset, not a copy. */
export function slotBytes(slots: AttlogSlots, index: number): Buffer {
  const { recordBytes: bytes, recordSize } = slots;
  return bytes.subarray(index * recordSize, (index + 1) * recordSize);
}

/** The hex of slot `index`, read straight off the dataset (no Buffer view made per slot). */
export function slotHex(slots: AttlogSlots, index: number): string {
  const { recordBytes: bytes, recordSize } = slots;
  return bytes.toString('hex', index * recordSize, (index + 1) * recordSize);
}

/**
 * The device never announces the record size: it is inferred from the byte count and the record count,
 * which may be 0 or stale (zk-tcp §11.1). Prefer the size that matches the count exactly, else the one
 * whose record count is closest to it (count 0 or missing: the fewest, i.e. largest, records), skipping a
 * size whose sampled records mostly fail to decode; when every size fails, the one that fails least.
 *
 * Ranking by decode failures alone is wrong: 40-byte records read as 16-byte ones mostly "decode" (numeric
 * ids, ASCII read as a time), so one impossible date in a 40-byte log plus a stale or zero count turned the
 * whole download into 16-byte garbage (test/protocol/attlog-dataset.test.ts, "one bad record").
 */
export function inferRecordSize(
  recordBytes: Buffer,
  count: number | undefined,
  forced?: AttlogRecordSize,
): AttlogRecordSize {
  if (forced) return forced;
  const len = recordBytes.length;
  const dividing = ATTLOG_RECORD_SIZES.filter((s) => len % s === 0);
  if (dividing.length === 0) return 40;
  if (count && count > 0) {
    const exact = dividing.find((s) => len / s === count);
    if (exact) return exact;
  }
  const distance = (s: AttlogRecordSize) => (count && count > 0 ? Math.abs(len / s - count) : len / s);
  // sort is stable: equal distances keep the 40, 16, 8 order
  const ranked = [...dividing].sort((a, b) => distance(a) - distance(b));
  let best = ranked[0]!;
  let bestShare = Number.POSITIVE_INFINITY;
  for (const size of ranked) {
    const share = failingShare(recordBytes, size);
    if (share <= 0.5) return size;
    if (share < bestShare) {
      best = size;
      bestShare = share;
    }
  }
  return best;
}

/**
 * Share of the first 16 records that cannot be punches; year 2000 and dates that do not exist count as
 * failing (implausible, §11.1): bytes read in the wrong layout make such times, a real log rarely does.
 */
function failingShare(recordBytes: Buffer, size: AttlogRecordSize): number {
  const sample = Math.min(recordBytes.length / size, 16);
  if (sample === 0) return 0;
  let bad = 0;
  for (let i = 0; i < sample; i++) {
    try {
      const r = decodeAttlogRecord(recordBytes.subarray(i * size, (i + 1) * size), size);
      const wall = parseWallTime(r.deviceTime);
      if (r.deviceTime.startsWith('2000-') || !wall || wallTimeProblem(wall)) bad++;
    } catch {
      bad++;
    }
  }
  return bad / sample;
}

/**
 * Decodes slots [from, to) of a dataset whose record size is known. A download turned into punches a batch
 * of slots at a time holds one batch of decoded records, not the whole log (src/device/punch-batches.ts).
 */
export function decodeAttlogSlots(slots: AttlogSlots, from: number, to: number): DecodedSlots {
  const { recordBytes, recordSize } = slots;
  const records: DatasetRecord[] = [];
  const rejected: RecordError[] = [];
  // one fields holder, one date cache and one user id table for the whole range: the record pushed and its
  // time text are the only objects made per record (bench/decode.ts, 100,000 records)
  const f = attlogFields();
  const times = new PackedTimeText();
  const userIds = new CStringTable();
  for (let i = from; i < to; i++) {
    const offset = i * recordSize;
    readAttlogFields(recordBytes, offset, recordSize, f, userIds);
    let deviceTime: string;
    try {
      deviceTime = attlogDeviceTime(f, times, recordBytes, offset, recordSize, i, offset);
    } catch (err) {
      if (err instanceof RecordError) {
        rejected.push(err);
        continue;
      }
      throw err;
    }
    // a plain object literal, no Buffer view or dataset reference per record: the literal's allocation
    // site lets V8 place 100,000 long-lived records straight in old space, and a class instance holding the
    // dataset took 25–40 % longer to decode a log (bench/decode.ts)
    records.push({
      uid: f.uid,
      userId: f.userId,
      verify: f.verify,
      punch: f.punch,
      deviceTime,
      workcode: f.workcode,
      index: i,
    });
  }
  return { records, rejected };
}

/** The bytes after the last whole slot, rejected as one record; undefined when there are none. */
export function trailingBytes(slots: AttlogSlots): RecordError | undefined {
  const n = slotCount(slots);
  const at = n * slots.recordSize;
  const tail = slots.recordBytes.length - at;
  return tail > 0
    ? new RecordError(n, at, slots.recordBytes.subarray(at), `${tail} trailing bytes`)
    : undefined;
}

/** Decodes the records part of an attendance dataset (after its u32 length prefix). */
export function decodeAttlogRecords(
  recordBytes: Buffer,
  count?: number,
  forced?: AttlogRecordSize,
): DecodedAttlog {
  const slots: AttlogSlots = { recordSize: inferRecordSize(recordBytes, count, forced), recordBytes };
  const { records, rejected } = decodeAttlogSlots(slots, 0, slotCount(slots));
  const tail = trailingBytes(slots);
  if (tail) rejected.push(tail);
  return { ...slots, records, rejected };
}

/** A dataset as the device sends it: u32 length of the records, then the records (zk-tcp §9.6). */
export function encodeAttlogDataset(records: readonly AttlogRecord[], size: AttlogRecordSize): Buffer {
  const out = Buffer.alloc(4 + records.length * size);
  out.writeUInt32LE(records.length * size, 0);
  records.forEach((r, i) => {
    encodeAttlogRecord(r, size).copy(out, 4 + i * size);
  });
  return out;
}
