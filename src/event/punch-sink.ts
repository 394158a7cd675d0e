import type { PunchEvent } from './punch-event.js';

/**
 * Where a source stands in a terminal's log or upload stream (records read so far, the last record's id,
 * the push stamps). Opaque to the sink.
 */
export type SourceCursor = Record<string, string | number | boolean | null>;

export interface AcceptOptions {
  /** Written with the punches of this batch and never before them: a source resumes from here. */
  cursor?: { device: string; value: SourceCursor };
}

export interface AcceptResult {
  /** Punches the sink had not held before; each is now stored and queued. */
  stored: number;
  /** Punches it already held (same id): not stored again. */
  duplicates: number;
  /** Of the stored ones, punches whose time cannot be real: kept like the rest, parked downstream. */
  implausible: number;
}

/**
 * Where every source hands its punches: the terminal pull and realtime path, the push receiver and the
 * file import alike. The contract (test/contract/punch-sink.contract.ts runs it against each source):
 * - `accept` resolves only once the batch is durable; a source treats its punches as delivered then, and
 *   not before — on a rejection it keeps them (on the terminal, unanswered, or the file unmoved);
 * - one punch, by id, is stored once however often and from whichever source it comes;
 * - a batch's cursor is stored with the batch, so `cursor` never runs ahead of what is stored;
 * - a failed accept stores nothing of its batch and leaves the cursor where it was.
 */
export interface PunchSink {
  accept(events: readonly PunchEvent[], opts?: AcceptOptions): Promise<AcceptResult>;
  /** The cursor stored with the device's last batch that carried one. */
  cursor(device: string): Promise<SourceCursor | undefined>;
}
