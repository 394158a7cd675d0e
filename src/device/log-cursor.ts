import { type AttlogSlots, slotCount, slotHex } from '../../protocol/zk/attlog-dataset.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';

/**
 * Where the gateway stands in one terminal's attendance log: how many record slots it has read, their size,
 * and the bytes of the last one. Terminals cannot filter by time (zk-tcp §9), so a sync still reads the
 * whole log, but stores only the slots past the cursor — and skips the read when the count has not moved.
 * Kept in the store, written with the last of the punches it covers.
 */
export interface LogCursor {
  records: number;
  record_size: number;
  /** Hex of the record in slot `records − 1` ('' for an empty log). */
  last: string;
}

export function isLogCursor(v: unknown): v is LogCursor {
  const c = v as Partial<LogCursor> | undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isInteger(c.records) &&
    Number.isInteger(c.record_size) &&
    typeof c.last === 'string'
  );
}

/** What the log did since the cursor: grew (or stayed), was cleared, or wrapped (start overwritten). */
export type LogChange = 'none' | 'cleared' | 'wrapped';

/**
 * True when GET_FREE_SIZES shows the same count as the cursor, below capacity: nothing new, skip the read.
 * A full log keeps its count while it overwrites its oldest records, so at capacity the log is always read;
 * a count of 0 or missing is never trusted (AK3750, SpeedFace report 0 with records present, §11.1).
 */
export function unchangedSince(since: LogCursor | undefined, sizes: FreeSizes): boolean {
  if (!since || since.records === 0 || sizes.records !== since.records) return false;
  return sizes.recordCapacity !== undefined && since.records < sizes.recordCapacity;
}

/**
 * The cursor covering the first `slots` slots: stored with the batch of punches that ends there, so it never
 * runs ahead of what is stored, and a sync cut short after it starts again at the first slot not stored.
 */
export function cursorAt(log: AttlogSlots, slots: number): LogCursor {
  return { records: slots, record_size: log.recordSize, last: slots > 0 ? slotHex(log, slots - 1) : '' };
}

/**
 * The slots to store from a full read, and the cursor after it. The slots past the cursor are new when the
 * record at the cursor is still byte-identical; otherwise (fewer slots than before: cleared; different bytes
 * at the cursor: wrapped, or cleared and refilled) every slot is taken again and the event id keeps each
 * punch to one row.
 */
export function sliceNew(
  log: AttlogSlots,
  since: LogCursor | undefined,
): { from: number; change: LogChange; cursor: LogCursor } {
  const slots = slotCount(log);
  const cursor = cursorAt(log, slots);
  if (!since || since.records === 0) return { from: 0, change: 'none', cursor };
  if (slots < since.records) return { from: 0, change: 'cleared', cursor };
  if (since.record_size !== log.recordSize || slotHex(log, since.records - 1) !== since.last)
    return { from: 0, change: 'wrapped', cursor };
  return { from: since.records, change: 'none', cursor };
}
