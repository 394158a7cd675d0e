import { RecordError } from '../errors.js';
import {
  ATTLOG_RECORD_SIZES,
  type AttlogRecord,
  type AttlogRecordSize,
  decodeAttlogRecord,
  encodeAttlogRecord,
} from './attlog-record.js';

export interface DecodedAttlog {
  recordSize: AttlogRecordSize;
  /** `index` is the record's slot in the log (rejected records keep their slots), for incremental sync. */
  records: Array<AttlogRecord & { raw: Buffer; index: number }>;
  rejected: RecordError[];
  /** The records part of the dataset, slot i at i × recordSize. */
  recordBytes: Buffer;
}

/**
 * The device never announces the record size: it is inferred from the byte count and the record count,
 * which may be 0 or stale (zk-tcp.md §11.1). Prefer the size that matches the count exactly, else the one
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

/** Share of the first 16 records that cannot be punches; year 2000 counts as failing (implausible, §11.1). */
function failingShare(recordBytes: Buffer, size: AttlogRecordSize): number {
  const sample = Math.min(recordBytes.length / size, 16);
  if (sample === 0) return 0;
  let bad = 0;
  for (let i = 0; i < sample; i++) {
    try {
      const r = decodeAttlogRecord(recordBytes.subarray(i * size, (i + 1) * size), size);
      if (r.deviceTime.startsWith('2000-')) bad++;
    } catch {
      bad++;
    }
  }
  return bad / sample;
}

/** Decodes the records part of an attendance dataset (after its u32 length prefix). */
export function decodeAttlogRecords(
  recordBytes: Buffer,
  count?: number,
  forced?: AttlogRecordSize,
): DecodedAttlog {
  const recordSize = inferRecordSize(recordBytes, count, forced);
  const records: DecodedAttlog['records'] = [];
  const rejected: RecordError[] = [];
  const n = Math.floor(recordBytes.length / recordSize);
  for (let i = 0; i < n; i++) {
    const offset = i * recordSize;
    const raw = recordBytes.subarray(offset, offset + recordSize);
    try {
      // fields listed, not spread: a spread per record doubled the decode time of a 100k-record log
      const r = decodeAttlogRecord(raw, recordSize, i, offset);
      records.push({
        uid: r.uid,
        userId: r.userId,
        verify: r.verify,
        punch: r.punch,
        deviceTime: r.deviceTime,
        workcode: r.workcode,
        raw,
        index: i,
      });
    } catch (err) {
      if (err instanceof RecordError) rejected.push(err);
      else throw err;
    }
  }
  const tail = recordBytes.length - n * recordSize;
  if (tail > 0)
    rejected.push(
      new RecordError(n, n * recordSize, recordBytes.subarray(n * recordSize), `${tail} trailing bytes`),
    );
  return { recordSize, records, rejected, recordBytes };
}

/** A dataset as the device sends it: u32 length of the records, then the records (zk-tcp.md §9.6). */
export function encodeAttlogDataset(records: readonly AttlogRecord[], size: AttlogRecordSize): Buffer {
  const out = Buffer.alloc(4 + records.length * size);
  out.writeUInt32LE(records.length * size, 0);
  records.forEach((r, i) => {
    encodeAttlogRecord(r, size).copy(out, 4 + i * size);
  });
  return out;
}
