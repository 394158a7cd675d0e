import t from 'tap';
import { spawnCli, stopCli } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { checkDelivery, terminal } from '../helpers/delivery.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

let broker: Mosquitto;
t.before(async () => {
  // as config/mosquitto.conf runs it: persistence on, so the collector's session outlives the restart. A
  // broker that forgets everything is covered by the confirmation loop (test/e2e/confirmation.test.ts)
  broker = await Mosquitto.start({ persistence: true });
});
t.teardown(() => broker.close());

t.test('Mosquitto stopped mid-stream and started again', async (t) => {
  const { sim, ids } = await terminal(t, 'CRASH-B');
  const collector = await PunchCollector.start(broker.url, 'x05/v1/crash-b/+/punch', 'collector-crash-b');
  t.teardown(() => collector.close());
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'crash-b',
    brokerUrl: broker.url,
    devices: [{ host: sim.host, port: sim.port, serial: 'CRASH-B' }],
  });
  const gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  await until('a first part delivered', () => collector.uniqueIds().size >= 2000, 60_000);
  await broker.stop();
  await new Promise((r) => setTimeout(r, 2000));
  await broker.start();
  await until('every punch delivered', () => collector.uniqueIds().size >= ids.length, 120_000);
  await new Promise((r) => setTimeout(r, 500));
  checkDelivery(t, collector.received, ids);
  t.match(gw.output(), /"msg":"broker unreachable; punches stay queued on disk"/);
  t.equal(await stopCli(gw), 0);
});
