import t from 'tap';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { checkDelivery, terminal } from '../helpers/delivery.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

// 20 kills land at enough different points of a write to matter; each costs one gateway start-up, so the
// file takes about a minute. X05_CRASH_KILLS sets another count.
const KILLS = Number(process.env.X05_CRASH_KILLS ?? 20);
// the gateway's own stop is bounded by the publisher's PUBACK wait (3 s) and the offline message (2 s)
const CLEAN_STOP_MS = 10_000;

let broker: Mosquitto;
t.before(async () => {
  broker = await Mosquitto.start();
});
t.teardown(() => broker.close());

t.test(`kill -9 of the gateway ${KILLS} times during download and publish`, async (t) => {
  const { sim, ids } = await terminal(t, 'CRASH-A');
  const collector = await PunchCollector.start(broker.url, 'x05/v1/crash-a/+/punch', 'collector-crash-a');
  t.teardown(() => collector.close());
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'crash-a',
    brokerUrl: broker.url,
    devices: [{ host: sim.host, port: sim.port, serial: 'CRASH-A' }],
  });
  let kills = 0;
  for (let i = 0; i < KILLS; i++) {
    const gw = spawnCli(['gateway', '--config', config]);
    await waitForOutput(gw, /"msg":"broker connected"/, 30_000).catch(() => {});
    if (i % 2 === 0 && collector.uniqueIds().size < ids.length) {
      // in the middle of publishing: once new punches are arriving
      const before = collector.uniqueIds().size;
      await until('publishing', () => collector.uniqueIds().size > before, 5_000).catch(() => {});
      await new Promise((r) => setTimeout(r, Math.random() * 300));
    } else {
      // anywhere from before the first pull to the end of the publish
      await new Promise((r) => setTimeout(r, Math.random() * 1500));
    }
    await stopCli(gw, 'SIGKILL');
    if (i % 5 === 4)
      t.comment(`after ${i + 1} kills: ${collector.uniqueIds().size} distinct punches delivered`);
    kills++;
  }
  const gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  // after many kills everything may be delivered already: without this wait the SIGTERM below could reach
  // a process still loading its modules, before it listens for signals, and end it unclean (exit code null)
  await waitForOutput(gw, /"msg":"broker connected"/, 30_000);
  await until('every punch delivered', () => collector.uniqueIds().size >= ids.length, 120_000);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(kills, KILLS);
  checkDelivery(t, collector.received, ids);
  const stopAt = Date.now();
  const code = await stopCli(gw);
  const stopMs = Date.now() - stopAt;
  t.equal(code, 0, `clean stop in ${stopMs} ms`, { tail: gw.output().slice(-1500) });
  t.ok(stopMs < CLEAN_STOP_MS, `the stop took under ${CLEAN_STOP_MS} ms`);
});
