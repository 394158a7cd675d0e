/**
 * Discovery through the gateway as configured by a site engineer: site.yaml `discover` + `discovery`, the
 * terminal's old address dead, a decoy in range. Punches reach the broker once, from the right terminal,
 * and the retained device status says where it was found.
 */
import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchCollector } from '../helpers/collector.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

t.test(
  'gateway: a terminal on a new DHCP address is found by serial and its punches published once',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const right = await startSimulator({
      host: '127.0.24.20',
      serial: 'GW-DISC',
      records: 300,
      seed: 12,
      logger,
    });
    t.teardown(() => right.stop());
    const decoy = await startSimulator({
      host: '127.0.24.10',
      port: right.port,
      serial: 'GW-DECOY',
      records: 200,
      seed: 13,
      logger,
    });
    t.teardown(() => decoy.stop());
    const collector = await PunchCollector.start(broker.url);
    t.teardown(() => collector.close());

    const gateway = await startGateway(
      SiteConfigSchema.parse({
        site: 'hq',
        data_dir: tempDir(t),
        broker: { url: broker.url },
        devices: [
          {
            name: 'front-door',
            host: '127.0.24.2',
            port: right.port,
            serial: 'GW-DISC',
            timezone: 'UTC',
            poll_interval_s: 0.2,
            timeout_ms: 1000,
            discover: ['127.0.24.1-30'],
          },
        ],
        discovery: { timeout_ms: 300, concurrency: 8 },
        ops: { listen: null },
        log_level: 'fatal',
      }),
      logger,
    );
    t.teardown(() => gateway.stop());

    await collector.waitFor(300);
    const status = 'x05/v1/hq/GW-DISC/status';
    await until('device status', () => collector.retained.has(status), 20_000);
    // one more poll: the new address stays in use and nothing is published twice
    const first = JSON.parse(collector.retained.get(status)!).last_sync as string;
    await until(
      'another sync',
      () => JSON.parse(collector.retained.get(status)!).last_sync !== first,
      20_000,
    );
    t.match(JSON.parse(collector.retained.get(status)!), {
      state: 'online',
      address: `127.0.24.20:${right.port}`,
      moved_from: `127.0.24.2:${right.port}`,
    });
    t.ok(
      collector.received.every((e) => e.device_id === 'GW-DISC'),
      'no punch from the decoy',
    );
    t.equal(collector.uniqueIds().size, 300, 'every punch of the right terminal');
    t.equal(collector.received.length, 300, 'each published once');
    t.notOk(collector.retained.has('x05/v1/hq/GW-DECOY/status'));
  },
);
