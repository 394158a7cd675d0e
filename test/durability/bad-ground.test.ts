import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const silent = pino({ level: 'silent' });

t.test(
  'a nearly full disk: new punches refused loudly (log, device status, health), none lost',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const sim = await startSimulator({ records: 50, serial: 'DISK-1', logger: silent });
    t.teardown(() => sim.stop());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());
    const dir = tempDir(t);
    const listen = `127.0.0.1:${await freePort()}`;
    const config = writeSiteConfig({
      dir,
      site: 'disk',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'DISK-1' }],
      // a floor no disk can meet: the refusal path, with a real statfs
      extra: { store: { min_free_mb: 1e12 }, ops: { listen } },
    });
    const gw = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    await waitForOutput(gw, /DISK_FULL/, 30_000);
    await until('device status', () => collector.retained.has('x05/v1/disk/DISK-1/status'), 20_000);
    t.match(JSON.parse(collector.retained.get('x05/v1/disk/DISK-1/status')!), {
      state: 'error',
      error: /disk|MiB free/,
    });
    await until('health', () => collector.retained.has('x05/v1/disk/gateway/health'), 20_000);
    t.match(JSON.parse(collector.retained.get('x05/v1/disk/gateway/health')!), { disk_low: true, queued: 0 });
    t.equal(collector.received.length, 0, 'nothing published that was not stored');
    const health = await fetch(`http://${listen}/healthz`);
    t.equal(health.status, 503, 'a health check (Docker, systemd, monitoring) sees it');
    t.match(await health.json(), { ok: false, stages: { store: /^disk low/ } });
    const status = await runCli(['status', '--config', config]);
    t.match(status.output, /DISK LOW: new punches refused/);
    t.equal(await stopCli(gw), 0);

    // space is back (the floor lifted): the same punches, still on the terminal, go through
    writeSiteConfig({
      dir,
      site: 'disk',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'DISK-1' }],
    });
    const again = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(again, 'SIGKILL'));
    await collector.waitFor(50);
    t.equal(await stopCli(again), 0);
  },
);

t.test('a data dir that cannot be created: exit 1 naming the path', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'x');
  const config = writeSiteConfig({ dir, site: 'nodir', brokerUrl: 'mqtt://127.0.0.1:1', devices: [] });
  const yaml = (await import('node:fs'))
    .readFileSync(config, 'utf8')
    .replace(join(dir, 'store'), join(dir, 'a-file', 'store'));
  writeFileSync(config, yaml);
  const r = await runCli(['gateway', '--config', config]);
  t.equal(r.code, 1);
  t.match(r.output, /"code":"X05_STORE"/);
  t.match(r.output, new RegExp(`store open failed in ${join(dir, 'a-file', 'store')}`));
});

t.test('a store held by another gateway: exit 1, the running one is untouched', async (t) => {
  const dir = tempDir(t);
  const held = await PunchStore.open(join(dir, 'store'));
  t.teardown(() => held.close());
  const config = writeSiteConfig({ dir, site: 'locked', brokerUrl: 'mqtt://127.0.0.1:1', devices: [] });
  const r = await runCli(['gateway', '--config', config]);
  t.equal(r.code, 1);
  t.match(r.output, /"code":"X05_STORE"/);
});

t.test(
  'a broker that refuses our credentials: a retry loop naming the broker, punches kept on disk',
  async (t) => {
    const broker = await Mosquitto.start({ users: { gateway: 'right-password' } });
    t.teardown(() => broker.close());
    const sim = await startSimulator({ records: 30, serial: 'AUTH-1', logger: silent });
    t.teardown(() => sim.stop());
    const dir = tempDir(t);
    const config = writeSiteConfig({
      dir,
      site: 'auth',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'AUTH-1' }],
    });
    const gw = spawnCli(['gateway', '--config', config], { X05_MQTT_PASSWORD: 'wrong-password' });
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    // refused at CONNACK ("broker refused…") or dropped before it ("broker unreachable…"): either way a
    // retry loop that names the broker, never a crash
    await waitForOutput(gw, /"msg":"broker (refused the connection|unreachable)/, 30_000);
    await waitForOutput(gw, /"msg":"(pull|sync) done"/, 30_000);
    t.match(gw.output(), new RegExp(`"broker":"${broker.url}"`));
    await new Promise((r) => setTimeout(r, 1500));
    t.equal(gw.exitCode, null, 'still running and retrying');
    t.notMatch(gw.output(), /wrong-password/, 'the password never reaches the log');
    t.equal(await stopCli(gw), 0);
    const store = await PunchStore.open(join(dir, 'store'));
    t.equal(store.outboxDepth, 30, 'every punch waits in the outbox for the broker');
    await store.close();
  },
);
