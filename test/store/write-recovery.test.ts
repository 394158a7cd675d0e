import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { PunchStore, StoreError, StoreRecoveringError } from '../../src/store/index.js';
import { samplePunches } from '../helpers/events.js';
import { fillDisk, tmpfsDir, tmpfsSkip } from '../helpers/tmpfs.js';
import { until } from '../helpers/until.js';

const DAY = 86_400_000;

/** A store on its own small tmpfs, with no free-space floor: LevelDB itself meets the full disk. */
async function storeOnTmpfs(t: { teardown(fn: () => unknown): void }, size: string) {
  const mnt = tmpfsDir(t, size);
  const store = await PunchStore.open(join(mnt, 'store'), { minFreeBytes: 0 });
  t.teardown(() => store.close());
  return { mnt, store, filler: join(mnt, 'filler') };
}

t.test(
  'a compaction that fails on a full disk: every write fails after it, until the store reopens by itself',
  { skip: tmpfsSkip },
  async (t) => {
    const { mnt, store: before, filler } = await storeOnTmpfs(t, '8m');
    const first = samplePunches(2000);
    await before.accept(first);
    // ten published, so retention has something to delete and then compacts the whole store
    await before.removeFromOutbox(await before.readOutbox(10));
    // closed and opened again, so no table LevelDB still has to write is pending when the disk fills
    await before.close();
    const store = await PunchStore.open(join(mnt, 'store'), { minFreeBytes: 0 });
    t.teardown(() => store.close());
    fillDisk(filler, mnt, 256 * 1024);
    // deleting ten entries fits in the space left; compacting the store afterwards does not
    await store.prune({ rawDays: 1, dedupDays: 400 }, Date.now() + 2 * DAY);

    const late = samplePunches(10, 'LATE');
    const failed = await store.accept(late).catch((err: unknown) => err);
    t.type(failed, StoreError);
    // a table, not the log: LevelDB's background error, which it repeats for every write until reopened
    t.match((failed as Error).message, /\.ldb: No space left on device/);
    t.match(store.writeFailure, { failures: 1 });
    const refused = await store.accept(late).catch((err: unknown) => err);
    t.type(refused, StoreRecoveringError, 'refused without asking LevelDB');
    t.match((refused as Error).message, /writes fail since .*No space left on device/);

    await new Promise((r) => setTimeout(r, 2500));
    t.ok(store.writeFailure, 'no room yet: still failing, not reopened into a full disk');
    t.equal(store.writeFailure?.failures, 2);

    const recovered = once(store, 'recovered');
    rmSync(filler);
    await until('the store recovers', () => store.writeFailure === undefined, 10_000);
    t.match((await recovered)[0], { failures: 2 });
    t.same(await store.accept(late), { stored: 10, duplicates: 0, implausible: 0 });
    t.equal(store.outboxDepth, 2000);
    t.same(await store.accept(first.slice(0, 5)), { stored: 0, duplicates: 5, implausible: 0 }, 'index kept');
    t.same(
      (await store.readOutbox(3000)).map((e) => JSON.parse(e.payload).id),
      [...first.slice(10), ...late].map((e) => e.id),
      'the outbox holds every unpublished punch once, in order',
    );
  },
);

t.test(
  'a log append that fails on a full disk: writes wait for the reopen, nothing is lost across it',
  { skip: tmpfsSkip },
  async (t) => {
    const { mnt, store, filler } = await storeOnTmpfs(t, '4m');
    const before = samplePunches(50);
    await store.accept(before);
    fillDisk(filler, mnt);
    const batch = samplePunches(200, 'FULL');
    const failed = await store.accept(batch).catch((err: unknown) => err);
    t.type(failed, StoreError);
    t.match((failed as Error).message, /\.log: No space left on device/);
    t.type(await store.accept(batch).catch((err: unknown) => err), StoreRecoveringError);

    rmSync(filler);
    await until('the store recovers', () => store.writeFailure === undefined, 10_000);
    // whatever of the failed batch reached the log stands and counts as a duplicate: none stored twice
    const r = await store.accept(batch);
    t.equal(r.stored + r.duplicates, 200);
    t.equal(store.outboxDepth, 250);
    t.equal((await store.readOutbox(1000)).length, 250, 'the counters are what the disk holds');
    await store.close();
    const again = await PunchStore.open(join(mnt, 'store'), { minFreeBytes: 0 });
    t.equal(again.outboxDepth, 250, 'and what a restart finds');
    await again.close();
  },
);
