import t from 'tap';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { checkDelivery, terminal } from '../helpers/delivery.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

let broker: Mosquitto;
t.before(async () => {
  broker = await Mosquitto.start();
});
t.teardown(() => broker.close());

t.test('both at once: the gateway killed while the broker is down', async (t) => {
  const { sim, ids } = await terminal(t, 'CRASH-C');
  const collector = await PunchCollector.start(broker.url, 'x05/v1/crash-c/+/punch', 'collector-crash-c');
  t.teardown(() => collector.close());
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'crash-c',
    brokerUrl: broker.url,
    devices: [{ host: sim.host, port: sim.port, serial: 'CRASH-C' }],
    // a broker without persistence loses what it acknowledged but had not delivered when it stopped; the
    // gateway sends those again once their confirmation is overdue: here after seconds, not the default 5 min
    extra: { publish: { confirm_timeout_s: 5 } },
  });
  let gw = spawnCli(['gateway', '--config', config]);
  await until('a first part delivered', () => collector.uniqueIds().size >= 1000, 60_000);
  await broker.stop();
  await new Promise((r) => setTimeout(r, 500));
  await stopCli(gw, 'SIGKILL');
  gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  // the restarted gateway pulls into its store while the broker is still away
  await waitForOutput(gw, /"msg":"(pull|sync) done"/, 30_000);
  await stopCli(gw, 'SIGKILL');
  await broker.start();
  gw = spawnCli(['gateway', '--config', config]);
  await until('every punch delivered', () => collector.uniqueIds().size >= ids.length, 120_000);
  await new Promise((r) => setTimeout(r, 500));
  checkDelivery(t, collector.received, ids);
  t.equal(await stopCli(gw), 0);
});
