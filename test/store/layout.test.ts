import { Level } from 'level';
import t from 'tap';
import { PunchStore } from '../../src/store/index.js';
import { DRAIN_ROLES, SUBLEVELS, type SublevelRole } from '../../src/store/layout.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

const prefix = (role: SublevelRole) => `!${SUBLEVELS[role]}!`;

t.test('the ranges a drain writes sort together, right before the outbox', async (t) => {
  const roles = Object.keys(SUBLEVELS) as SublevelRole[];
  const drain = DRAIN_ROLES.map(prefix);
  const low = [...drain].sort()[0]!;
  for (const p of drain) t.ok(p < prefix('outbox'), `${p} sorts before the outbox`);
  const between = roles
    .filter((r) => r !== 'outbox' && !DRAIN_ROLES.includes(r))
    .filter((r) => prefix(r) > low && prefix(r) < prefix('outbox'));
  t.same(between, [], 'no range a drain leaves alone lies between them and the outbox');
  const fresh = await PunchStore.open(tempDir(t));
  t.equal(fresh.layoutMove, undefined, 'a new store moves nothing');
  await fresh.close();
  t.equal(new Set(Object.values(SUBLEVELS)).size, roles.length, 'every role has its own name');
});

/** Rewrites a store as an earlier version laid it out: the sent marks and the per-device index under former names. */
async function toFormerLayout(dir: string, keep = 0): Promise<number> {
  const db = new Level<string, string>(dir);
  await db.open();
  let moved = 0;
  for (const role of ['sent', 'pending'] as const) {
    const from = db.sublevel<string, string>(SUBLEVELS[role], { valueEncoding: 'utf8' });
    // the former names were the roles' own
    const to = db.sublevel<string, string>(role, { valueEncoding: 'utf8' });
    const entries = await from.iterator().all();
    // `keep` of each stay under the current name: a move interrupted by a power cut
    for (const [key, value] of entries.slice(keep)) {
      await to.put(key, value);
      await from.del(key);
      moved++;
    }
  }
  await db.close();
  return moved;
}

async function stateOf(store: PunchStore) {
  return {
    depth: store.outboxDepth,
    queued: store.queuedCount,
    sent: store.sentAwaitingConfirmation,
    byDevice: (await store.unconfirmedByDevice()).map((d) => [d.device, d.count, d.oldestStoredAt]),
    due: (await store.readDue(100, Number.MAX_SAFE_INTEGER)).map((e) => [e.key, e.attempts, e.device]),
    outbox: (await store.readOutbox(100)).map((e) => e.key),
  };
}

for (const keep of [0, 2]) {
  t.test(
    `a store in the former layout is moved at open${keep ? ', after a move cut short' : ''}`,
    async (t) => {
      const dir = tempDir(t);
      let store = await PunchStore.open(dir);
      const events = [...samplePunches(6, 'DEV-A'), ...samplePunches(4, 'DEV-B')];
      await store.accept(events);
      const page = await store.readOutbox(100);
      await store.markSent(page.slice(0, 7).map((entry) => ({ entry, dueAt: 5_000 })));
      const before = await stateOf(store);
      await store.close();
      t.ok((await toFormerLayout(dir, keep)) > 0, 'the former names hold the entries');

      store = await PunchStore.open(dir);
      t.equal(store.layoutMove?.keys, 7 + 10 - 2 * keep, 'the open says how many keys it moved');
      t.same(await stateOf(store), before, 'counts, per-device index, sent marks and queue as they were');
      const confirmed = await store.confirm(events.map((e) => e.id));
      t.equal(confirmed.confirmed, 10, 'every punch confirms from its moved entries');
      t.equal(store.outboxDepth, 0);
      await store.close();

      const db = new Level<string, string>(dir);
      await db.open();
      for (const former of ['sent', 'pending'])
        t.same(await db.sublevel(former).keys().all(), [], `nothing left under ${former}`);
      await db.close();
    },
  );
}
