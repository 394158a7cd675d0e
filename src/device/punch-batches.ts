import type { RecordError } from '../../protocol/errors.js';
import {
  type AttlogSlots,
  decodeAttlogSlots,
  slotCount,
  slotHex,
  trailingBytes,
} from '../../protocol/zk/attlog-dataset.js';
import type { OwnPunchFacts, PunchEvent } from '../event/index.js';
import { cursorAt, type LogCursor, sliceNew } from './log-cursor.js';

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

type MakePunch = (record: OwnPunchFacts & { uid: number }, rawHex: string) => PunchEvent;

/**
 * Decodes a log's new slots a batch at a time, makes each batch's PunchEvents and hands them to `sink` with
 * the cursor up to the batch's last slot; the next batch is decoded only once the sink has resolved. Slots
 * can be handed over as they arrive (`arrived`, while the terminal sends the rest) or all at once after the
 * read (`finish`). A read with no new slot still hands over its cursor, in an empty batch, so the stored
 * cursor follows the log (one cleared to nothing, say) and the next sync compares with where it stands now.
 */
export class PunchBatcher {
  /** The first new slot, once the slots decide it (the slot at the cursor has arrived). */
  private from: number | undefined;
  /** The first slot not yet handed to the sink. */
  private next = 0;
  private punches = 0;
  private readonly rejected: RecordError[] = [];

  constructor(
    private readonly serial: string,
    private readonly since: LogCursor | undefined,
    private make: MakePunch,
    private readonly sink: PunchBatchSink,
    private readonly batchSlots = BATCH_SLOTS,
  ) {}

  /** The first `available` slots of `log` are in: every whole batch of new slots among them goes to the sink. */
  async arrived(log: AttlogSlots, available: number): Promise<void> {
    // uid-only records wait for the user list, which is read after the log (finish)
    if (log.recordSize === 8) return;
    const since = this.since;
    // which slots are new is known once the slot at the cursor is in, or the log is shorter than the cursor
    const decided =
      !since || since.records === 0 || slotCount(log) < since.records || available >= since.records;
    if (this.from === undefined && decided) this.next = this.from = sliceNew(log, since).from;
    if (this.from === undefined) return;
    while (available - this.next >= this.batchSlots) await this.send(log, this.next + this.batchSlots);
  }

  /**
   * The read is over: the new slots not handed over yet go to the sink, and what the sync found. `userIds`:
   * the user list, for a layout whose records carry only the uid.
   */
  async finish(
    read: NewSlots,
    userIds?: ReadonlyMap<number, string>,
  ): Promise<{ punches: number; rejected: RecordError[] }> {
    const { log } = read;
    if (userIds) this.make = withUserId(this.make, userIds);
    const slots = log ? slotCount(log) : 0;
    if (!log || read.from >= slots) await this.sink({ serial: this.serial, events: [], cursor: read.cursor });
    else {
      this.next = Math.max(this.next, read.from);
      while (this.next < slots) await this.send(log, Math.min(slots, this.next + this.batchSlots));
    }
    const tail = log && trailingBytes(log);
    if (tail) this.rejected.push(tail);
    return { punches: this.punches, rejected: this.rejected };
  }

  private async send(log: AttlogSlots, end: number): Promise<void> {
    const decoded = decodeAttlogSlots(log, this.next, end);
    this.rejected.push(...decoded.rejected);
    // no facts object and no Buffer view per punch: the raw hex is read straight off the dataset
    const events = decoded.records.map((r) => this.make(r, slotHex(log, r.index)));
    this.punches += events.length;
    this.next = end;
    await this.sink({ serial: this.serial, events, cursor: cursorAt(log, end) });
  }
}

/**
 * The punch of a uid-only record under its user's id. A uid the user list does not know (a deleted user)
 * keeps the uid as its user id, and the event says so (`uid_only`), so nobody mistakes it for a badge.
 */
function withUserId(make: MakePunch, userIds: ReadonlyMap<number, string>): MakePunch {
  return (r, rawHex) => {
    const userId = userIds.get(r.uid);
    if (userId) return make({ ...r, userId }, rawHex);
    return { ...make(r, rawHex), uid_only: true };
  };
}
