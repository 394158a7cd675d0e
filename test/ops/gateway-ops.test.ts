import { createServer } from 'node:net';
import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { startSimulator } from '../../src/sim/index.js';
import { runCli, spawnCli, stopCli } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const silent = pino({ level: 'silent' });

t.test(
  'ops endpoint of a running gateway: metrics, health and the status command agree with MQTT',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const sim = await startSimulator({ records: 40, serial: 'OPS-1', logger: silent });
    t.teardown(() => sim.stop());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());
    const port = await freePort();
    const listen = `127.0.0.1:${port}`;
    const config = writeSiteConfig({
      dir: tempDir(t),
      site: 'ops',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'OPS-1' }],
      // a collector stands in for the forwarder and confirms nothing: the broker's PUBACK ends a punch here
      extra: { ops: { listen }, publish: { confirm: false } },
    });
    const gw = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    await collector.waitFor(40);

    const base = `http://${listen}`;
    const metrics = async () => (await fetch(`${base}/metrics`)).text();
    await until('outbox drained', async () => sample(await metrics(), 'x05_outbox_depth') === 0, 20_000);
    const m = await metrics();
    t.equal(sample(m, 'x05_punches_stored_total{device="OPS-1"}'), 40, 'stored, by serial');
    t.equal(sample(m, 'x05_punches_published_total'), 40, 'every stored punch acknowledged');
    t.equal(sample(m, 'x05_broker_connected'), 1);
    t.equal(sample(m, 'x05_device_up{device="OPS-1"}'), 1);
    t.ok((sample(m, 'process_resident_memory_bytes') ?? 0) > 0, 'process metrics too');
    t.ok((sample(m, 'x05_disk_free_bytes') ?? 0) > 0);

    const health = await fetch(`${base}/healthz`);
    t.equal(health.status, 200);
    t.match(await health.json(), {
      ok: true,
      stages: { store: 'ok', broker: 'connected', 'device:OPS-1': 'online' },
    });

    const text = await runCli(['status', '--config', config]);
    t.equal(text.code, 0, 'status exits 0');
    t.match(text.output, /broker mqtt:\/\/\S+ connected; queued 0/);
    t.match(
      text.output,
      /OPS-1\s+online\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/,
      'a row per device with its last punch',
    );
    const json = await runCli(['status', '--config', config, '--json']);
    const report = JSON.parse(json.output.slice(json.output.indexOf('{')));
    t.equal(report.devices[0].device, 'OPS-1');
    const newest = collector.received
      .map((e) => e.device_time)
      .sort()
      .at(-1);
    t.equal(report.devices[0].last_punch?.replace(' ', 'T'), newest?.slice(0, 19), 'newest punch stored');

    // a broker outage is not a sick gateway: punches still queue on disk
    await broker.stop();
    await until(
      'broker seen down',
      async () => sample(await metrics(), 'x05_broker_connected') === 0,
      20_000,
    );
    const during = await fetch(`${base}/healthz`);
    t.equal(during.status, 200);
    t.match(await during.json(), { ok: true, stages: { broker: /^disconnected/ } });

    t.equal(await stopCli(gw), 0);
    const gone = await runCli(['status', '--config', config]);
    t.equal(gone.code, 1, 'no gateway: exit 1');
    t.match(gone.output, /no gateway answers at http:\/\/127\.0\.0\.1:\d+/);
  },
);

t.test('ops port already taken: logged with its key, punches still flow', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const sim = await startSimulator({ records: 5, serial: 'OPS-2', logger: silent });
  t.teardown(() => sim.stop());
  const collector = await PunchCollector.start(broker.url);
  t.teardown(() => collector.close());
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  t.teardown(() => squatter.close());
  const taken = (squatter.address() as { port: number }).port;
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  const gateway = await startGateway(
    SiteConfigSchema.parse({
      site: 'ops2',
      data_dir: tempDir(t),
      broker: { url: broker.url },
      devices: [{ host: sim.host, port: sim.port, serial: 'OPS-2', timezone: 'UTC' }],
      ops: { listen: `127.0.0.1:${taken}` },
    }),
    logger,
  );
  t.teardown(() => gateway.stop());
  t.equal(gateway.ops, undefined);
  t.match(lines, [{ key: 'ops.listen', err: { code: 'X05_OPS', message: /EADDRINUSE/ } }]);
  await collector.waitFor(5);
});
