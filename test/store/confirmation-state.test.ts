import { Level } from 'level';
import t from 'tap';
import { PunchStore } from '../../src/store/index.js';
import { SUBLEVELS } from '../../src/store/layout.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test('queued → sent → confirmed, each state durable across a reopen', async (t) => {
  const dir = tempDir(t);
  let store = await PunchStore.open(dir);
  const events = [...samplePunches(6, 'DEV-A'), ...samplePunches(4, 'DEV-B')];
  await store.accept(events);
  const page = await store.readOutbox(100);
  t.same(
    page.map((e) => e.attempts),
    Array(10).fill(0),
    'new entries are queued, never sent',
  );
  await store.markSent(page.slice(0, 8).map((entry) => ({ entry, dueAt: 1_000 })));
  t.equal(store.queuedCount, 2);
  t.equal(store.sentAwaitingConfirmation, 8);
  t.equal(store.outboxDepth, 10, 'sent is not confirmed');
  t.same(await store.readOutbox(100), page.slice(8), 'only the unsent are read as queued');
  t.same(await store.readDue(100, 999), [], 'nothing due before its time');
  const due = await store.readDue(100, 1_000);
  t.same(
    due.map((e) => [e.key, e.attempts]),
    page.slice(0, 8).map((e) => [e.key, 1]),
    'due at its time, oldest first, one send counted',
  );
  t.same(
    (await store.readDue(3, 1_000, due[2])).map((e) => e.key),
    due.slice(3, 6).map((e) => e.key),
    'paged by the last entry read',
  );
  // a resend moves the entry to its next due time
  await store.markSent([{ entry: due[0]!, dueAt: 5_000 }]);
  t.same(
    (await store.readDue(100, 4_999)).map((e) => e.key),
    due.slice(1).map((e) => e.key),
  );
  t.equal(await store.nextDue(), 1_000);

  await store.close();
  store = await PunchStore.open(dir);
  t.equal(store.sentAwaitingConfirmation, 8, 'sent state survives a reopen');
  t.equal(store.queuedCount, 2);
  const r = await store.confirm([events[0]!.id, events[1]!.id, events[8]!.id, 'f'.repeat(40)]);
  t.same(r, { confirmed: 3, unknown: 1, foreign: 0 }, 'sent and queued entries alike; an unknown id counted');
  t.same(await store.confirm([events[0]!.id]), { confirmed: 0, unknown: 1, foreign: 0 }, 'twice is harmless');
  const byDevice = await store.unconfirmedByDevice();
  t.same(
    byDevice.map((d) => [d.device, d.count]),
    [
      ['DEV-A', 4],
      ['DEV-B', 3],
    ],
  );
  t.ok(
    byDevice.every((d) => typeof d.oldestStoredAt === 'number'),
    'with the oldest stored-at time',
  );
  t.same(
    await store.confirm([events[2]!.id], (device) => device === 'DEV-B'),
    { confirmed: 0, unknown: 0, foreign: 1 },
    "a confirmation acts only on its topic's device",
  );
  // a confirmation that overtakes the write of the sent state: the entry stays confirmed
  const [last] = await store.readOutbox(1);
  await store.confirm([events[9]!.id]);
  await store.markSent([{ entry: last!, dueAt: 1 }]);
  t.notOk(
    (await store.readDue(100, Number.MAX_SAFE_INTEGER)).some((e) => e.key === last!.key),
    'no zombie sent entry',
  );
  t.equal(store.outboxDepth, 6);
  await store.close();
});

t.test('a store written before confirmations gets its per-device index built once at open', async (t) => {
  const dir = tempDir(t);
  const store = await PunchStore.open(dir);
  await store.accept([...samplePunches(5, 'OLD-A'), ...samplePunches(3, 'OLD-B')]);
  await store.close();
  // what an earlier version left: the outbox and its counters, no per-device index
  const db = new Level<string, string>(dir);
  await db.open();
  const pending = db.sublevel<string, string>(SUBLEVELS.pending, { valueEncoding: 'utf8' });
  for (const key of await pending.keys().all()) await pending.del(key);
  await db.sublevel<string, string>('meta', { valueEncoding: 'utf8' }).del('unconfirmed');
  await db.close();

  const reopened = await PunchStore.open(dir);
  t.teardown(() => reopened.close());
  t.same(
    (await reopened.unconfirmedByDevice()).map((d) => [d.device, d.count, typeof d.oldestStoredAt]),
    [
      ['OLD-A', 5, 'number'],
      ['OLD-B', 3, 'number'],
    ],
  );
  t.equal(reopened.outboxDepth, 8);
});

t.test(
  'confirmations find their entries whether or not the store still holds their keys in memory',
  async (t) => {
    const store = await PunchStore.open(tempDir(t));
    t.teardown(() => store.close());
    // more than the store keeps keys of (4,096): the first read ones are confirmed from the dedup index
    const events = samplePunches(5000, 'DEV-A');
    await store.accept(events);
    const page = await store.readOutbox(5000);
    await store.markSent(page.map((entry) => ({ entry, dueAt: 1_000 })));
    // oldest, newest and an id named twice, in one confirmation, and one the store never had
    const ids = [events[0]!.id, events[4999]!.id, events[4999]!.id, events[10]!.id, 'f'.repeat(40)];
    t.same(await store.confirm(ids), { confirmed: 3, unknown: 1, foreign: 0 });
    t.same(await store.confirm(events.map((e) => e.id)), { confirmed: 4997, unknown: 3, foreign: 0 });
    t.equal(store.outboxDepth, 0);
    t.same(await store.readDue(10, 1_000), []);
  },
);
