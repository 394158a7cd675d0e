/** Ten terminals and a dead one polled at once: the dead one never delays the others. */
import { pino } from 'pino';
import t from 'tap';
import { DevicePoller, type DeviceStatus } from '../../src/device/index.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { scriptedDevice } from '../helpers/scripted-device.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

t.test('10 simulators and one terminal that accepts TCP but never answers', async (t) => {
  const sims: Simulator[] = [];
  for (let i = 0; i < 10; i++)
    sims.push(await startSimulator({ records: 1000, seed: i + 1, serial: `MANY-${i}`, logger }));
  t.teardown(() => Promise.all(sims.map((s) => s.stop())));
  // a wedged terminal: the connection opens, nothing ever comes back
  const deadPort = await scriptedDevice(t, () => {});
  const store = await PunchStore.open(tempDir(t));
  const statuses = new Map<string, DeviceStatus>();
  const targets = [
    ...sims.map((s) => ({ port: s.port, label: s.device.serial })),
    { port: deadPort, label: 'DEAD' },
  ];
  const pollers = targets.map(
    (d) =>
      new DevicePoller({
        host: '127.0.0.1',
        port: d.port,
        site: 'hq',
        timezone: 'UTC',
        // long enough that, were the sessions serialised behind the dead one, the others would wait for it
        timeoutMs: 45_000,
        intervalMs: 60_000,
        label: d.label,
        sink: store,
        logger,
        onStatus: (s) => statuses.set(s.device, s),
      }),
  );
  for (const p of pollers) p.start();
  t.teardown(async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await store.close();
  });
  await until(
    'all ten synced',
    () => sims.every((s) => statuses.get(s.device.serial)?.state === 'online'),
    40_000,
  );
  t.notOk(statuses.has('DEAD'), 'the dead terminal is still waiting on its own timeout');
  let total = 0;
  for await (const _ of store.rawLog()) total++;
  const distinct = sims.reduce(
    (n, s) => n + new Set(s.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size,
    0,
  );
  t.equal(total, distinct, 'every punch of every good terminal stored once');
});
