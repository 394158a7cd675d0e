import type { AbstractSublevel } from 'abstract-level';
import type { Level } from 'level';

type Sub = AbstractSublevel<Level<string, string>, string | Buffer | Uint8Array, string, string>;
type Batch = ReturnType<Level<string, string>['batch']>;

export interface RetentionPolicy {
  /** Days the raw log keeps a punch (the audit copy on the gateway). */
  rawDays: number;
  /**
   * Days a punch id stays in the dedup index. A terminal can resend its whole log (a re-pull after its
   * cursor was lost, a push device re-uploading): ids older than this would be stored and sent again. Keep
   * it at least as long as the terminals hold their log; Frappe's unique Raw Log hash is the last guard.
   */
  dedupDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { rawDays: 90, dedupDays: 400 };

export interface PruneResult {
  raw: number;
  dedup: number;
}

const DAY_MS = 86_400_000;
const BATCH = 1000;

/**
 * Deletes raw-log entries received before the raw cutoff and dedup ids first seen before the dedup cutoff,
 * oldest first, stopping at the first newer entry (both are in arrival order). A punch not confirmed yet
 * (queued or sent) keeps its raw entry and its id.
 */
export async function prune(
  db: Level<string, string>,
  parts: { raw: Sub; dedup: Sub; age: Sub; outbox: Sub; sent: Sub },
  policy: RetentionPolicy,
  nowMs: number,
  /** The store's synced write, so a failed one puts the store into recovery like any other. */
  write: (batch: Batch) => Promise<void>,
): Promise<PruneResult> {
  const rawCutoff = nowMs - policy.rawDays * DAY_MS;
  const dedupCutoff = nowMs - policy.dedupDays * DAY_MS;
  let raw = 0;
  let dedup = 0;
  let batch = db.batch();
  let pending = 0;
  const flush = async () => {
    if (pending > 0) await write(batch);
    else await batch.close();
    batch = db.batch();
    pending = 0;
  };
  for await (const [key, json] of parts.raw.iterator()) {
    const receivedAt = Date.parse((JSON.parse(json) as { received_at: string }).received_at);
    if (!(receivedAt < rawCutoff)) break;
    // a punch not yet confirmed keeps its raw entry: a resend publishes it from there
    if (await unconfirmed(parts, key)) continue;
    batch.del(key, { sublevel: parts.raw });
    raw++;
    if (++pending >= BATCH) await flush();
  }
  for await (const [key, value] of parts.age.iterator()) {
    const bar = value.indexOf('|');
    const firstSeen = Number(value.slice(0, bar));
    if (!(firstSeen < dedupCutoff)) break;
    if (await unconfirmed(parts, key)) break;
    batch.del(value.slice(bar + 1), { sublevel: parts.dedup });
    batch.del(key, { sublevel: parts.age });
    dedup++;
    if (++pending >= BATCH) await flush();
  }
  await flush();
  return { raw, dedup };
}

async function unconfirmed(parts: { outbox: Sub; sent: Sub }, key: string): Promise<boolean> {
  return (await parts.outbox.has(key)) || (await parts.sent.has(key));
}
