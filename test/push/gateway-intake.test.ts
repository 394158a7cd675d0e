import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { punchEventId } from '../../src/event/index.js';
import { pushTerminalDataset } from '../../src/sim/push-options.js';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const SN = 'X05-PUSH-GW1';

t.test(
  'gateway with push and an import folder: a push terminal and its USB export reach MQTT once',
  async (t) => {
    const dir = tempDir(t);
    const broker = await Mosquitto.start();
    t.teardown(() => broker.stop());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());
    const port = await freePort();
    const cfg = SiteConfigSchema.parse({
      site: 'hq',
      data_dir: join(dir, 'store'),
      broker: { url: broker.url },
      push: { host: '127.0.0.1', port, devices: [{ serial: SN, timezone: 'Asia/Kolkata' }] },
      import: { watch_dir: join(dir, 'usb'), scan_interval_s: 0.2 },
      ops: { listen: '127.0.0.1:0' },
      // a collector stands in for the forwarder and confirms nothing: the broker's PUBACK ends a punch here
      publish: { confirm: false },
    });
    const gw = await startGateway(cfg, pino({ level: 'silent' }));
    t.teardown(() => gw.stop());

    // the real command, as an operator would run it against a gateway
    const sim = spawnCli(
      ['simulate', '--push', `http://127.0.0.1:${port}`, '--serial', SN, '--records', '300', '--seed', '9'],
      { X05_LOG_LEVEL: 'info' },
    );
    t.teardown(() => stopCli(sim));
    await waitForOutput(sim, /backlog uploaded/, 60_000);
    await collector.waitFor(300, 60_000);

    // the same log exported to USB, plus 5 punches the push never sent
    const { records } = await pushTerminalDataset({ url: '', records: 300, seed: 9 });
    const extra = ['2001', '2002', '2003', '2004', '2005'].map((u) => ({
      userId: u,
      deviceTime: '2024-01-02T09:00:00',
      punch: 0,
      verify: 1,
    }));
    const lines = [...records, ...extra].map(
      (r) =>
        `${r.userId.padStart(9, ' ')}\t${r.deviceTime.replace('T', ' ')}\t1\t${r.punch}\t${r.verify}\t0\r\n`,
    );
    writeFileSync(join(dir, 'usb', `${SN}_attlog.dat`), lines.join(''), 'latin1');
    await collector.waitFor(305, 60_000);
    await until('the import summary', () => gw.store.outboxDepth === 0, 30_000);
    const ids = collector.uniqueIds();
    t.equal(ids.size, 305, 'every punch once on MQTT');
    t.ok(ids.has(punchEventId(SN, '2001', '2024-01-02T09:00:00', 0)));
    const sources = new Set(collector.received.map((e) => e.source));
    t.same([...sources].sort(), ['file', 'push']);
    t.equal(gw.push?.counters.refused, 0);
    // a terminal nobody configured is refused, and the refusal shows on /metrics
    const stranger = await fetch(`http://127.0.0.1:${port}/iclock/cdata?SN=STRANGER&options=all`);
    t.equal(stranger.status, 403);
    const metrics = await (await fetch(`${gw.ops?.url}/metrics`)).text();
    t.match(metrics, /^x05_push_refused_total 1$/m);
    t.match(metrics, new RegExp(`^x05_punches_stored_total\\{device="${SN}"\\} 305$`, 'm'));
    t.match(metrics, /^x05_push_lines_total 300$/m);
    const status = collector.retained.get(`x05/v1/hq/${SN}/status`);
    t.match(
      JSON.parse(status ?? '{}'),
      { device: SN, state: 'online' },
      'push terminals get a device status too',
    );
  },
);
