import t from 'tap';
import { spawnCli, stopCli } from '../helpers/cli.js';
import { freePort, waitForPort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { sample } from '../helpers/prom-sample.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test('the first /metrics scrape of a fresh gateway has the disk figures', async (t) => {
  const port = await freePort();
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'scrape',
    // no broker and no terminal: the figures come from the store alone
    brokerUrl: `mqtt://127.0.0.1:${await freePort()}`,
    devices: [],
    extra: { ops: { listen: `127.0.0.1:${port}` } },
  });
  const gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  // a bare TCP connect: a /healthz or /status first would read the disk and mask a first scrape that does not
  await waitForPort(port, 30_000);
  const first = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.ok((sample(first, 'x05_disk_free_bytes') ?? 0) > 0, 'free bytes');
  t.ok((sample(first, 'x05_store_bytes') ?? 0) > 0, 'store bytes');
  t.equal(sample(first, 'x05_disk_low'), 0);
});
