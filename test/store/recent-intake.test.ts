import FakeTimers from '@sinonjs/fake-timers';
import { Level } from 'level';
import t from 'tap';
import { PunchStore } from '../../src/store/index.js';
import { QUARTER_MS } from '../../src/store/recent-intake.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 11, 4, 9, 5);

t.test(
  'punches stored per device per quarter hour: counted once, kept across a reopen, dropped after a day',
  async (t) => {
    // only Date is faked: LevelDB's callbacks and the store's promises run for real
    const clock = FakeTimers.install({ now: T0, toFake: ['Date'] });
    t.teardown(() => clock.uninstall());
    const dir = tempDir(t);
    let store = await PunchStore.open(dir);
    const a = samplePunches(6, 'DEV-A');
    await store.accept([...a, ...samplePunches(4, 'DEV-B')]);
    await store.accept(a);
    const day = (device: string) => store.recentIntake.count(device, T0 - 24 * HOUR_MS, T0 + HOUR_MS);
    t.equal(day('DEV-A'), 6, 'duplicates are not counted again');
    t.equal(day('DEV-B'), 4);
    clock.setSystemTime(T0 + 20 * 60_000);
    await store.accept(samplePunches(3, 'DEV-A', 'test', 100));
    const quarter = Math.floor(T0 / QUARTER_MS) * QUARTER_MS;
    t.equal(store.recentIntake.count('DEV-A', quarter, quarter + QUARTER_MS), 6, 'the first quarter hour');
    t.equal(store.recentIntake.count('DEV-A', quarter + QUARTER_MS, quarter + 2 * QUARTER_MS), 3, 'the next');
    t.equal(store.recentIntake.count('DEV-C', 0, Number.MAX_SAFE_INTEGER), 0, 'a device never seen');

    await store.close();
    store = await PunchStore.open(dir);
    t.equal(day('DEV-A'), 9, 'read back at open, not rebuilt by a scan of the log');
    t.equal(day('DEV-B'), 4);

    clock.setSystemTime(T0 + 26 * HOUR_MS);
    await store.accept(samplePunches(2, 'DEV-B', 'test', 200));
    t.equal(store.recentIntake.count('DEV-A', 0, Number.MAX_SAFE_INTEGER), 0, 'a day old: dropped');
    t.equal(store.recentIntake.count('DEV-B', 0, Number.MAX_SAFE_INTEGER), 2, 'only the new quarter hour');
    await store.close();

    const db = new Level<string, string>(dir, { valueEncoding: 'utf8' });
    const kept = await db.sublevel<string, string>('quarters', { valueEncoding: 'utf8' }).iterator().all();
    await db.close();
    t.same(
      kept,
      [[`DEV-B\u0000${Math.floor((T0 + 26 * HOUR_MS) / QUARTER_MS)}`, '2']],
      'the dropped counters are deleted from disk in the same batch',
    );
  },
);
