import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { startForwarderFromConfig } from '../../src/app/forwarder.js';
import { CloudConfigSchema } from '../../src/config/schema.js';
import { capturingLogger } from '../helpers/loggers.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinFor } from '../helpers/standin-forwarder.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });

t.test(
  'forwarder --dry-run with the service config: prints a copy of each new punch, confirms none, takes none from the service',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const site = await standinFor(t, [{ userId: '1' }], { timeZone: 'UTC' });
    // one config for both, as the README has the operator run the dry run with the service's cloud.yaml
    const cfg = CloudConfigSchema.parse({
      broker: { url: broker.url, session_expiry_s: 300 },
      share_group: 'dry',
      topic: 'x05/v1/dry/+/punch',
      frappe: { url: site.url, api_key: 'k', api_secret: 's', site_timezone: 'UTC' },
      forwarder: { instance: 'dry-fwd-1' },
    });
    const confirmed = new Set<string>();
    const gateway = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'dry-gateway' });
    t.teardown(() => gateway.endAsync());
    gateway.on('message', (_topic, payload) => {
      for (const id of (JSON.parse(payload.toString()) as { ids: string[] }).ids) confirmed.add(id);
    });
    await gateway.subscribeAsync('x05/v1/dry/+/confirm', { qos: 1 });

    // the service has subscribed once and is down now: its session holds what arrives meanwhile
    await (await startForwarderFromConfig(cfg, logger)).stop();

    let printed = '';
    const printedCheckins = () =>
      [...printed.matchAll(/\[(\d+) × Employee Checkin\]/g)].reduce((n, m) => n + Number(m[1]), 0);
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        printed += chunk.toString();
        done();
      },
    });
    const calls = site.requests.length;
    const dryLog = capturingLogger('info');
    const dry = await startForwarderFromConfig(cfg, dryLog.logger, out);
    t.teardown(() => dry.stop());
    // what it tells the operator: a session of its own that the broker forgets at once, outside the share
    t.match(
      dryLog.lines.find((l) => l.msg === 'forwarder subscribed'),
      {
        clientId: /^dry-fwd-1-dry-run-\d+$/,
        subscription: 'x05/v1/dry/+/punch',
        sessionExpiryS: 0,
        observeOnly: true,
      },
    );
    await publishPunches(gateway, 'dry', 5);
    await until('the dry run printed 5 Checkins', () => printedCheckins() === 5, 15_000);
    await until('the dry run acknowledged its copies', () => dry.stats.acked === 5, 15_000);
    await sleep(300);
    t.equal(confirmed.size, 0, 'no punch confirmed to the gateway, which would delete it');
    t.equal(dry.stats.confirmed, 0);
    t.equal(site.requests.length, calls, 'Frappe not called');

    // the service comes back with the same config: its session gave none of the punches away
    const service = await startForwarderFromConfig(cfg, logger);
    t.teardown(() => service.stop());
    await until('the 5 punches written and confirmed', () => confirmed.size === 5, 15_000);
    t.equal(site.checkins.length, 5);
    // side by side, neither takes the other's connection: both see the next punches, one writes them
    await publishPunches(gateway, 'dry', 2, { from: 5 });
    await until('7 confirmed', () => confirmed.size === 7, 15_000);
    await until('the dry run printed the 2 new ones', () => printedCheckins() === 7, 15_000);
    t.equal(site.checkins.length, 7);
    t.equal(service.stats.received, 7, 'the service received every punch once');
    t.equal(dry.stats.confirmed, 0);
  },
);
