import type { AbstractSublevel } from 'abstract-level';
import type { Level } from 'level';

/**
 * The store's sublevels by role, and the name each has on disk. A sublevel's keys sit under `!name!`, so
 * the names set where each range lies in LevelDB's one key order, and that decides what a drain costs.
 *
 * A drain deletes from the front of the outbox and writes the four drain ranges with every batch; the
 * tables LevelDB flushes from those batches span from the lowest drain range to the drained outbox keys,
 * and compacting them rewrites every older table whose keys lie in between. So the drain ranges sort
 * together, right before the outbox, with no range a drain leaves alone between them: the undrained outbox
 * and the raw log (hundreds of MB after a long outage) sort after, the dedup index before. With `sent` and
 * `pending` sorting after the outbox, as they once did, a 200,000-punch drain made LevelDB rewrite 517 MB;
 * with this order, 164 MB (docs/benchmarks.md).
 */
export const SUBLEVELS = {
  // written by accepts only (and deleted by retention)
  age: 'age',
  cursors: 'cursor',
  dedup: 'dedup',
  // written by every drain batch
  due: 'due',
  sent: 'inflight',
  meta: 'meta',
  pending: 'open',
  // drained from the front, appended to by accepts
  outbox: 'outbox',
  // written by accepts only (and deleted by retention)
  quarters: 'quarters',
  raw: 'raw',
} as const;

export type SublevelRole = keyof typeof SUBLEVELS;

/** The roles a drain writes (with the outbox's front): see SUBLEVELS. */
export const DRAIN_ROLES: readonly SublevelRole[] = ['due', 'sent', 'meta', 'pending'];

/** Names earlier versions gave two drain ranges, moved at open to their names in SUBLEVELS. */
const FORMER_NAMES: ReadonlyArray<{ role: SublevelRole; name: string }> = [
  { role: 'sent', name: 'sent' },
  { role: 'pending', name: 'pending' },
];

/** Keys moved per synced batch: each batch moves its keys whole, so a crash leaves every key in one place. */
const MOVE_BATCH = 1000;

type Db = Level<string, string>;
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, string>;

/**
 * Moves what an earlier version stored under a former name to its current one. Each batch deletes what it
 * puts, so an interrupted move goes on from where it stopped at the next open, and no key is ever in
 * both places or in neither. Returns how many keys moved.
 */
export async function moveFormerSublevels(
  db: Db,
  current: (role: SublevelRole) => Sub,
  write: (batch: ReturnType<Db['batch']>) => Promise<void>,
  compact: (start: string, end: string) => Promise<void>,
): Promise<number> {
  let moved = 0;
  for (const { role, name } of FORMER_NAMES) {
    const former = db.sublevel<string, string>(name, { valueEncoding: 'utf8' });
    const target = current(role);
    for (;;) {
      const entries = await former.iterator({ limit: MOVE_BATCH }).all();
      if (entries.length === 0) break;
      const batch = db.batch();
      for (const [key, value] of entries) {
        batch.put(key, value, { sublevel: target });
        batch.del(key, { sublevel: former });
      }
      await write(batch);
      moved += entries.length;
    }
    // the deletions would otherwise sit in the former range's tables until LevelDB gets there by itself
    if (moved > 0) await compact(former.prefix, `${former.prefix}\u007f`);
  }
  return moved;
}
