/**
 * A gateway stop ends a poller's sync promptly — between two batches of a long sync (the batches stored and
 * their cursor stand, the next sync starts after them) or in the middle of the download (nothing stored) —
 * and never as a failure: no 'sync failed' line, no device status in state error left retained.
 */
import t, { type Test } from 'tap';
import type { DeviceStatus } from '../../src/device/index.js';
import { BATCH_SLOTS } from '../../src/device/punch-batches.js';
import type { PunchSink } from '../../src/event/punch-sink.js';
import { type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { capturingLogger } from '../helpers/loggers.js';
import { simPoller } from '../helpers/sim-poller.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

async function setup(t: Test, serial: string, simOptions: SimulatorOptions) {
  const simLog = capturingLogger('debug');
  const sim = await startSimulator({ serial, logger: simLog.logger, ...simOptions });
  t.teardown(() => sim.stop());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const gatewayLog = capturingLogger('error');
  const statuses: DeviceStatus[] = [];
  const poller = (sink: PunchSink) =>
    simPoller(sim, {
      label: serial,
      sink,
      logger: gatewayLog.logger,
      onStatus: (s) => statuses.push(s),
    });
  const noFailureReported = () => {
    t.same(gatewayLog.lines, [], 'nothing logged as an error');
    t.same(
      statuses.filter((s) => s.state === 'error'),
      [],
      'no device status in state error',
    );
  };
  return { sim, simLog: simLog.lines, store, poller, noFailureReported };
}

t.test('a stop during a long sync ends it after the batch being stored', async (t) => {
  const { store, poller, noFailureReported } = await setup(t, 'STOP-1', { records: 4 * BATCH_SLOTS });
  const batches: number[] = [];
  let stopping: Promise<void> | undefined;
  const running = poller({
    accept: (events, opts) => {
      batches.push(events.length);
      // asked while the first batch is being written, as a SIGTERM would
      stopping ??= running.stop();
      return store.accept(events, opts);
    },
    cursor: (device) => store.cursor(device),
  });
  running.start();
  await until('the first batch handed over', () => stopping !== undefined, 30_000);
  await stopping;
  t.same(batches, [BATCH_SLOTS], 'no batch after the stop');
  t.match(await store.cursor('STOP-1'), { records: BATCH_SLOTS }, 'the cursor covers what is stored');
  t.equal(store.outboxDepth, BATCH_SLOTS);
  noFailureReported();

  const { result, stored } = await poller(store).syncOnce();
  t.equal(result.skipped, BATCH_SLOTS, 'the next sync starts after the stored batch');
  t.equal(stored, 3 * BATCH_SLOTS);
});

t.test('a stop during the download ends the sync at once, with nothing stored', async (t) => {
  // ~800 frames 5 ms apart: a download of about 4 s
  const { simLog, store, poller, noFailureReported } = await setup(t, 'STOP-2', {
    records: 20_000,
    paceMs: 5,
    maxDataPayload: 1008,
  });
  const running = poller(store);
  running.start();
  await until('the download under way', () => simLog.some((l) => /READ_BUFFER/.test(JSON.stringify(l))));
  const stopAt = Date.now();
  await running.stop();
  const stopMs = Date.now() - stopAt;
  t.ok(stopMs < 2000, `stopped in ${stopMs} ms`);
  t.equal(await store.cursor('STOP-2'), undefined, 'no cursor');
  t.equal(store.outboxDepth, 0, 'no punch');
  noFailureReported();
});
