import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { PunchStore } from '../../src/store/index.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test('a punch is stored and queued once, however often it arrives', async (t) => {
  const dir = tempDir(t);
  const store = await PunchStore.open(dir);
  const events = samplePunches(100);
  t.same(await store.accept(events), { stored: 100, duplicates: 0, implausible: 0 });
  t.same(await store.accept(events.slice(0, 10)), { stored: 0, duplicates: 10, implausible: 0 });
  // a batch that repeats an id inside itself stores it once
  const fresh = samplePunches(3, 'OTHER');
  t.same(await store.accept([...fresh, fresh[0]!]), { stored: 3, duplicates: 1, implausible: 0 });
  t.equal(store.outboxDepth, 103);
  const queued = await store.readOutbox(1000);
  t.same(
    queued.map((q) => (JSON.parse(q.payload) as PunchEvent).id),
    [...events, ...fresh].map((e) => e.id),
    'outbox holds every new punch once, in arrival order',
  );
  await store.close();
});

t.test('state survives reopening: dedup index, outbox and sequence', async (t) => {
  const dir = tempDir(t);
  const events = samplePunches(20);
  let store = await PunchStore.open(dir);
  await store.accept(events.slice(0, 15));
  const first = await store.readOutbox(5);
  await store.removeFromOutbox(first);
  await store.close();

  store = await PunchStore.open(dir);
  t.equal(store.outboxDepth, 10);
  t.same(
    await store.accept(events),
    { stored: 5, duplicates: 15, implausible: 0 },
    'published punches stay deduplicated after restart',
  );
  const rest = await store.readOutbox(100);
  t.same(
    rest.map((q) => (JSON.parse(q.payload) as PunchEvent).id),
    events.slice(5).map((e) => e.id),
  );
  t.ok(
    rest.every((q, i) => i === 0 || q.key > rest[i - 1]!.key),
    'keys keep increasing across restarts',
  );
  let raw = 0;
  for await (const _ of store.rawLog()) raw++;
  t.equal(raw, 20, 'raw log keeps every punch, published or not');
  await store.close();
});

t.test('a data dir that is not a LevelDB gives a StoreError naming the path', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'CURRENT'), 'garbage\n');
  await t.rejects(PunchStore.open(dir), { code: 'X05_STORE', op: 'open', path: dir });
});

t.test('a data dir held by another gateway is refused, not shared', async (t) => {
  const dir = tempDir(t);
  const a = await PunchStore.open(dir);
  t.teardown(() => a.close());
  await t.rejects(PunchStore.open(dir), { code: 'X05_STORE', op: 'open' });
});

t.test('a device cursor is written with the punches it covers, and alone when nothing is new', async (t) => {
  const dir = tempDir(t);
  let store = await PunchStore.open(dir);
  const events = samplePunches(10, 'DEV-C');
  t.same(await store.accept(events, { cursor: { device: 'DEV-C', value: { records: 10 } } }), {
    stored: 10,
    duplicates: 0,
    implausible: 0,
  });
  t.same(await store.cursor('DEV-C'), { records: 10 });
  t.same(await store.accept([], { cursor: { device: 'DEV-C', value: { records: 12 } } }), {
    stored: 0,
    duplicates: 0,
    implausible: 0,
  });
  t.equal(await store.cursor('OTHER'), undefined);
  await store.close();
  store = await PunchStore.open(dir);
  t.same(await store.cursor('DEV-C'), { records: 12 }, 'survives a restart');
  t.equal(store.outboxDepth, 10);
  await store.close();
});

t.test('a large accept is written in memtable-sized batches, and lands whole with its cursor', async (t) => {
  const dir = tempDir(t);
  let store = await PunchStore.open(dir);
  // ≈ 16 MB of entries: one LevelDB batch would be one 16 MB log and a 6 MB level-0 table
  const events = samplePunches(20_000, 'DEV-L');
  t.same(await store.accept(events, { cursor: { device: 'DEV-L', value: { records: 20_000 } } }), {
    stored: 20_000,
    duplicates: 0,
    implausible: 0,
  });
  const largest = Math.max(...readdirSync(dir).map((name) => statSync(join(dir, name)).size));
  t.ok(largest < 4 * 1024 * 1024, `no log or table over 4 MB (largest ${largest} bytes)`);
  await store.close();
  store = await PunchStore.open(dir);
  t.same(await store.cursor('DEV-L'), { records: 20_000 });
  await store.accept(samplePunches(1, 'DEV-M'));
  const queued = await store.readOutbox(30_000);
  t.equal(queued.length, 20_001);
  t.ok(
    queued.every((q, i) => Number(q.key) === i + 1),
    'sequence numbers run on without a gap or a reuse across the batches and the reopen',
  );
  t.same(
    queued.slice(0, 20_000).map((q) => (JSON.parse(q.payload) as PunchEvent).id),
    events.map((e) => e.id),
  );
  await store.close();
});

t.test('a clean close leaves no log to replay, and loses nothing', async (t) => {
  const dir = tempDir(t);
  let store = await PunchStore.open(dir);
  await store.accept(samplePunches(500));
  await store.close();
  const logs = readdirSync(dir).filter((name) => name.endsWith('.log'));
  t.ok(logs.length > 0);
  t.ok(
    logs.every((name) => statSync(join(dir, name)).size === 0),
    'the memtable went to a table at close',
  );
  store = await PunchStore.open(dir);
  t.equal(store.outboxDepth, 500);
  t.equal((await store.readOutbox(1000)).length, 500);
  await store.close();
});

t.test('a drain past the compaction of the drained range gets every entry once, in order', async (t) => {
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const first = samplePunches(25_000, 'DEV-A');
  const later = samplePunches(1000, 'DEV-B');
  await store.accept(first);
  const drained: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.readOutbox(256, after);
    if (page.length === 0) break;
    for (const entry of page) drained.push((JSON.parse(entry.payload) as PunchEvent).id);
    await store.removeFromOutbox(page);
    after = page[page.length - 1]!.key;
    // new punches arrive while the drained range is being compacted
    if (drained.length === 20_480) await store.accept(later);
  }
  t.same(
    drained,
    [...first, ...later].map((e) => e.id),
  );
  t.equal(store.outboxDepth, 0);
  t.same(await store.readOutbox(10), [], 'nothing left from the start of the outbox either');
});
