import t from 'tap';
import { makePunchEvent } from '../../src/event/punch-event.js';
import { PunchStore } from '../../src/store/index.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

const DAY = 86_400_000;

t.test('raw log entries older than rawDays go; newer ones and unconfirmed ones stay', async (t) => {
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const now = Date.now();
  const received = (daysAgo: number, i: number) =>
    makePunchEvent({
      deviceId: 'DEV',
      site: 's',
      userId: String(i),
      deviceTime: '2024-01-01T08:00:00',
      timezone: 'UTC',
      punch: 0,
      verify: 1,
      source: 'pull',
      receivedAt: new Date(now - daysAgo * DAY),
      clockOffsetS: 0,
      raw: 'x',
    });
  const events = [received(120, 1), received(95, 2), received(30, 3), received(1, 4)];
  await store.accept(events);
  // all confirmed but the second, which a resend would still publish from the raw log
  await store.confirm([events[0]!.id, events[2]!.id, events[3]!.id]);
  const r = await store.prune({ rawDays: 90, dedupDays: 400 }, now);
  t.same(r, { raw: 1, dedup: 0 });
  const left: string[] = [];
  for await (const e of store.rawLog()) left.push(e.user_id);
  t.same(left, ['2', '3', '4']);
});

t.test('old ids are forgotten after dedupDays, never while their punch is still queued', async (t) => {
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const events = samplePunches(10);
  await store.accept(events);
  const sent = await store.readOutbox(6);
  await store.removeFromOutbox(sent);
  const later = Date.now() + 401 * DAY;
  t.same(await store.prune({ rawDays: 1000, dedupDays: 400 }, later), { raw: 0, dedup: 6 });
  t.same(
    await store.prune({ rawDays: 1000, dedupDays: 400 }, Date.now()),
    { raw: 0, dedup: 0 },
    'nothing younger goes',
  );
  // the trade-off: a resend older than dedupDays is taken as new (Frappe's unique hash stops it there)
  t.same(await store.accept(events), { stored: 6, duplicates: 4, implausible: 0 });
});

t.test('a nearly full disk refuses new punches loudly and stores nothing', async (t) => {
  const dir = tempDir(t);
  const store = await PunchStore.open(dir, { minFreeBytes: Number.MAX_SAFE_INTEGER });
  t.teardown(() => store.close());
  await t.rejects(store.accept(samplePunches(5)), {
    code: 'X05_STORE',
    op: 'write',
    key: 'disk',
    path: dir,
    cause: { code: 'X05_DISK_FULL' },
  });
  t.equal(store.outboxDepth, 0);
  t.equal((await store.readOutbox(10)).length, 0);
  const usage = await store.diskUsage();
  t.ok(
    usage.storeBytes > 0 && usage.freeBytes > 0 && usage.totalBytes >= usage.freeBytes,
    'disk usage reported',
  );
});
