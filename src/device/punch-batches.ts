import type { RecordError } from '../../protocol/errors.js';
import {
  type AttlogSlots,
  decodeAttlogSlots,
  slotCount,
  slotHex,
  trailingBytes,
} from '../../protocol/zk/attlog-dataset.js';
import type { OwnPunchFacts, PunchEvent } from '../event/index.js';
import { cursorAt, type LogCursor } from './log-cursor.js';

/**
 * Slots decoded and turned into PunchEvents at a time. Besides the dataset's bytes a sync holds one batch,
 * whatever the size of the log, so memory stays flat: a PunchEvent and its record are about 450 B, so 5,000 are
 * ~2 MB, and a 100,000-punch log is stored in 20 LevelDB batches instead of one. Smaller batches lower
 * peak RSS a little more (less garbage promoted while a batch is written) for more synced writes.
 */
export const BATCH_SLOTS = 5000;

/** Punches of one sync stored together, with the cursor that covers exactly the slots up to their last. */
export interface PunchBatch {
  /** The terminal's serial: the device the cursor belongs to. */
  serial: string;
  events: PunchEvent[];
  cursor: LogCursor;
}

/**
 * Takes one batch and resolves once it is stored. A rejection ends the sync: the batches stored before it
 * and their cursor stand, and the next sync turns into punches only the slots past that cursor.
 */
export type PunchBatchSink = (batch: PunchBatch) => Promise<void>;

/** What a read leaves for the store. */
export interface NewSlots {
  serial: string;
  /** The log's slots; undefined when the read was skipped (count unchanged since the cursor). */
  log: AttlogSlots | undefined;
  /** The first slot not held yet: the slots before it were stored by earlier syncs. */
  from: number;
  /** The cursor after the whole read. */
  cursor: LogCursor;
}

/**
 * Decodes the new slots a batch at a time, makes each batch's PunchEvents and hands them to `sink` with the
 * cursor up to the batch's last slot; the next batch is decoded only once the sink has resolved. A read
 * with no new slot still hands over its cursor, in an empty batch, so the stored cursor follows the log
 * (one cleared to nothing, say) and the next sync compares with where it stands now.
 */
export async function sendInBatches(
  read: NewSlots,
  make: (record: OwnPunchFacts & { uid: number }, rawHex: string) => PunchEvent,
  sink: PunchBatchSink,
  batchSlots = BATCH_SLOTS,
): Promise<{ punches: number; rejected: RecordError[] }> {
  const { serial, log, from } = read;
  const rejected: RecordError[] = [];
  let punches = 0;
  const slots = log ? slotCount(log) : 0;
  if (!log || from >= slots) await sink({ serial, events: [], cursor: read.cursor });
  else
    for (let start = from; start < slots; start += batchSlots) {
      const end = Math.min(slots, start + batchSlots);
      const decoded = decodeAttlogSlots(log, start, end);
      rejected.push(...decoded.rejected);
      // no facts object and no Buffer view per punch: the raw hex is read straight off the dataset
      const events = decoded.records.map((r) => make(r, slotHex(log, r.index)));
      punches += events.length;
      await sink({ serial, events, cursor: cursorAt(log, end) });
    }
  const tail = log && trailingBytes(log);
  if (tail) rejected.push(tail);
  return { punches, rejected };
}
