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
  records: Array<AttlogRecord & { raw: Buffer }>;
  rejected: RecordError[];
}

/**
 * The device never announces the record size: it is inferred from the byte count and the record count,
 * which may be 0 or stale (zk-tcp.md §11.1). Prefer the size that matches the count exactly, then the one
 * whose records decode cleanly, then the largest that divides the length.
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
  let best = dividing[0]!;
  let bestBad = Number.POSITIVE_INFINITY;
  for (const size of dividing) {
    const sample = Math.min(len / size, 16);
    let bad = 0;
    for (let i = 0; i < sample; i++) {
      try {
        decodeAttlogRecord(recordBytes.subarray(i * size, (i + 1) * size), size);
      } catch {
        bad++;
      }
    }
    if (bad < bestBad) {
      best = size;
      bestBad = bad;
    }
  }
  return best;
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
      records.push({ ...decodeAttlogRecord(raw, recordSize, i, offset), raw });
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
  return { recordSize, records, rejected };
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
