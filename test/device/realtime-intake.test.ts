import { join } from 'node:path';
import t, { type Test } from 'tap';
import { RealtimeIntake, RealtimeOverflowError } from '../../src/device/realtime-intake.js';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { PunchStore } from '../../src/store/index.js';
import { samplePunches } from '../helpers/events.js';
import { tempDir } from '../helpers/temp-dir.js';

async function openStore(t: Test) {
  const store = await PunchStore.open(join(tempDir(t), 'store'));
  t.teardown(() => store.close());
  return store;
}

t.test(
  'a burst is stored in batches, one write at a time, reading paused past the high-water mark',
  async (t) => {
    const store = await openStore(t);
    const flow = {
      paused: 0,
      resumed: 0,
      pause() {
        this.paused++;
      },
      resume() {
        this.resumed++;
      },
    };
    let inFlight = 0;
    let maxInFlight = 0;
    const sizes: number[] = [];
    const intake = new RealtimeIntake(
      () => 'SIM0001',
      async (events: PunchEvent[]) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        sizes.push(events.length);
        await store.accept(events);
        inFlight--;
      },
      flow,
      (err) => t.fail(`no failure expected: ${err.message}`),
      { highWater: 100, lowWater: 20, batch: 50 },
    );
    const punches = samplePunches(1000);
    // the socket hands over a whole chunk of events at once, as a 64 KiB read does
    for (const e of punches) intake.push(e);
    t.equal(flow.paused, 1, 'paused once the events waiting reached the high-water mark');
    await intake.close();
    t.equal(flow.resumed, 1, 'resumed once drained below the low-water mark');
    t.equal(maxInFlight, 1, 'one store write in flight: the store queue serves other terminals in between');
    t.ok(Math.max(...sizes) <= 50, 'no write larger than the batch bound');
    t.equal(store.outboxDepth, 1000, 'every event stored');
    const ids: string[] = [];
    for await (const e of store.rawLog()) ids.push(e.id);
    t.same(
      ids,
      punches.map((e) => e.id),
      'in arrival order',
    );
  },
);

t.test('a link that cannot be paused (UDP) ends the session past the high-water mark', async (t) => {
  const failures: Error[] = [];
  let release: () => void = () => {};
  const intake = new RealtimeIntake(
    () => 'UDP0001',
    () =>
      new Promise<void>((r) => {
        release = r;
      }),
    undefined,
    (err) => failures.push(err),
    { highWater: 10, lowWater: 2, batch: 5 },
  );
  for (const e of samplePunches(30)) intake.push(e);
  t.equal(failures.length, 1);
  t.type(failures[0], RealtimeOverflowError);
  t.match(failures[0], { code: 'X05_SESSION', device: 'UDP0001', waiting: 10 });
  t.equal(intake.waiting, 0, 'nothing more is held in memory');
  release();
  await t.rejects(intake.close(), RealtimeOverflowError);
});

t.test('a failed store write ends the intake with that error', async (t) => {
  const store = await openStore(t);
  const failures: Error[] = [];
  let calls = 0;
  const intake = new RealtimeIntake(
    () => 'SIM0001',
    async (events) => {
      if (++calls === 2) throw new Error('disk gone');
      await store.accept(events);
    },
    { pause() {}, resume() {} },
    (err) => failures.push(err),
    { highWater: 1000, lowWater: 10, batch: 10 },
  );
  for (const e of samplePunches(40)) intake.push(e);
  await t.rejects(intake.close(), /disk gone/);
  t.equal(failures.length, 1);
  t.equal(store.outboxDepth, 10, 'the first batch stands; the rest comes with the next catch-up read');
  intake.push(samplePunches(1, 'SIM0001', 'test', 99)[0]!);
  t.equal(intake.waiting, 0, 'an ended intake takes nothing more');
});
