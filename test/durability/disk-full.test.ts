import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { fillDisk, tmpfsDir, tmpfsSkip } from '../helpers/tmpfs.js';
import { until } from '../helpers/until.js';

const silent = pino({ level: 'silent' });

t.test(
  'a disk that fills up under LevelDB: the store is red while writes fail and recovers by itself once space is back, no punch lost',
  { skip: tmpfsSkip },
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const sim = await startSimulator({ records: 200, users: 10, serial: 'FULL-1', logger: silent });
    t.teardown(() => sim.stop());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());
    const mnt = tmpfsDir(t, '16m');
    const listen = `127.0.0.1:${await freePort()}`;
    const config = writeSiteConfig({
      dir: mnt,
      site: 'full',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'FULL-1' }],
      // no floor: LevelDB itself meets the full disk, as on a disk someone else filled
      extra: { store: { min_free_mb: 0 }, ops: { listen } },
    });
    const gw = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    await collector.waitFor(200);
    const base = `http://${listen}`;
    const metrics = async () => (await fetch(`${base}/metrics`)).text();
    // every confirmation written: the writes that meet the full disk are the new punches'
    await until('outbox drained', async () => sample(await metrics(), 'x05_outbox_depth') === 0, 20_000);

    const filler = join(mnt, 'filler');
    fillDisk(filler, mnt);
    const at = Date.now() - 3600_000;
    for (let i = 0; i < 50; i++) {
      const u = sim.device.users[i % sim.device.users.length]!;
      const deviceTime = new Date(at + i * 1000).toISOString().slice(0, 19);
      sim.device.addPunch({ uid: u.uid, userId: u.userId, verify: 1, punch: 0, deviceTime, workcode: 0 });
    }
    await waitForOutput(gw, /"msg":"store writes fail/, 30_000);
    t.match(gw.output(), /No space left on device/, 'the log names LevelDB’s error');

    const health = await fetch(`${base}/healthz`);
    t.equal(health.status, 503, 'healthz is red while writes fail');
    t.match(await health.json(), {
      ok: false,
      stages: { store: /^writes failing since \S+ \(\d+ failed or refused\): .*No space left on device/ },
    });
    t.equal(sample(await metrics(), 'x05_store_write_failing'), 1);
    const json = await runCli(['status', '--config', config, '--json']);
    t.match(JSON.parse(json.output.slice(json.output.indexOf('{'))).store, {
      write_error: { error: /No space left on device/, since: /^\d{4}-/, failures: Number },
    });
    const text = await runCli(['status', '--config', config]);
    t.match(text.output, /STORE WRITES FAILING since .*No space left on device/);
    t.match(
      await (await fetch(`${base}/`)).text(),
      /data-stage="store" data-level="failing">.*writes failing since .*No space left on device/,
      'and the ops page, in red',
    );
    await until(
      'retained health says so',
      () => JSON.parse(collector.retained.get('x05/v1/full/gateway/health') ?? '{}').write_failing === true,
      10_000,
    );
    // the filler still there: no recovery into a full disk, nothing published that was not stored
    await new Promise((r) => setTimeout(r, 2500));
    t.equal((await fetch(`${base}/healthz`)).status, 503, 'still red while the disk is full');
    t.equal(collector.uniqueIds().size, 200);

    rmSync(filler);
    await waitForOutput(gw, /"msg":"store reopened: writes go through again"/, 30_000);
    await until('healthz green', async () => (await fetch(`${base}/healthz`)).status === 200, 10_000);
    t.equal(sample(await metrics(), 'x05_store_write_failing'), 0);
    t.notMatch((await runCli(['status', '--config', config])).output, /FAILING/);
    // the punches taken while the disk was full stayed on the terminal and come through now
    await collector.waitFor(250, 60_000);
    t.equal(sim.device.records.length, 250);
    t.equal(collector.uniqueIds().size, 250, 'every punch of the terminal, none invented');
    t.ok(collector.received.every((e) => e.device_id === 'FULL-1'));
    t.equal(await stopCli(gw), 0, 'a clean stop after the recovery');
  },
);
