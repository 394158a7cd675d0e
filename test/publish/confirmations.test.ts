import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { startSimulator } from '../../src/sim/index.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const silent = pino({ level: 'silent' });

t.test(
  'unconfirmed punches show on status, metrics and healthz; bad confirmations are counted and ignored',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const sim = await startSimulator({ records: 20, users: 5, serial: 'CNF-1', logger: silent });
    t.teardown(() => sim.stop());
    // a hand-driven forwarder: takes the punches, confirms what the test says
    const fwd = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'hand-forwarder' });
    t.teardown(() => fwd.endAsync(true));
    const ids: string[] = [];
    fwd.on('message', (topic, payload) => {
      if (topic.endsWith('/punch')) ids.push((JSON.parse(payload.toString()) as { id: string }).id);
    });
    await fwd.subscribeAsync('x05/v1/cnf/+/punch', { qos: 1 });

    const listen = `127.0.0.1:${await freePort()}`;
    const gw = await startGateway(
      SiteConfigSchema.parse({
        site: 'cnf',
        data_dir: tempDir(t),
        broker: { url: broker.url },
        devices: [{ host: sim.host, port: sim.port, serial: 'CNF-1', timezone: 'UTC', poll_interval_s: 1 }],
        publish: { confirm_timeout_s: 600 },
        health: { max_unconfirmed_age_s: 1 },
        ops: { listen },
      }),
      silent,
    );
    t.teardown(() => gw.stop());
    const base = `http://${listen}`;
    await until(
      '20 punches sent',
      () => gw.store.sentAwaitingConfirmation === 20 && ids.length === 20,
      20_000,
    );

    // the retained gateway health carries the confirmation figures too (the cloud side's view of the site)
    const health = await new Promise<Record<string, unknown>>((resolve) => {
      fwd.on('message', (topic, payload) => {
        if (topic === 'x05/v1/cnf/gateway/health') resolve(JSON.parse(payload.toString()));
      });
      void fwd.subscribeAsync('x05/v1/cnf/gateway/health', { qos: 1 });
    });
    t.match(health, {
      unconfirmed: Number,
      oldest_unconfirmed_s: Number,
      unconfirmed_by_device: Object,
      sent_awaiting_confirmation: Number,
    });

    const status = (await (await fetch(`${base}/status`)).json()) as {
      confirm: { count: number; sent: number };
      devices: Array<{ device: string; unconfirmed: number }>;
    };
    t.match(status.confirm, { count: 20, sent: 20 }, 'site figures');
    t.match(status.devices, [{ device: 'CNF-1', unconfirmed: 20 }], 'per device');
    const text = await (await fetch(`${base}/status?format=text`)).text();
    t.match(text, /unconfirmed 20 \(oldest \d+s\)/, 'the text the status command and the page show');
    let m = await (await fetch(`${base}/metrics`)).text();
    t.equal(sample(m, 'x05_unconfirmed_punches{site="cnf",device="CNF-1"}'), 20);
    // the first scrape: gauges that share one read each wait for it (free space was 0 here before)
    t.ok((sample(m, 'x05_disk_free_bytes') ?? 0) > 0, 'free space on the first scrape');
    t.ok((sample(m, 'x05_store_bytes') ?? 0) > 0);
    t.ok(sample(m, 'x05_oldest_unconfirmed_seconds{site="cnf",device="CNF-1"}') !== undefined);
    await until(
      'healthz red past health.max_unconfirmed_age_s',
      async () => (await fetch(`${base}/healthz`)).status === 503,
      10_000,
    );

    // bad input: never stops the gateway, never removes a punch
    const confirm = (topic: string, payload: string | Buffer) => fwd.publishAsync(topic, payload, { qos: 1 });
    await confirm('x05/v1/cnf/CNF-1/confirm', 'not json');
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 2, ids: [ids[0]] }));
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 1, ids: ['not-an-id'] }));
    await confirm('x05/v1/cnf/CNF-1/confirm', Buffer.alloc(100_000, 0x20));
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 1, ids: ['f'.repeat(40)] }));
    // the right ids on another device's topic, and on another site's
    await confirm('x05/v1/cnf/OTHER/confirm', JSON.stringify({ v: 1, ids: ids.slice(0, 5) }));
    await confirm('x05/v1/elsewhere/CNF-1/confirm', JSON.stringify({ v: 1, ids: ids.slice(0, 5) }));
    const c = gw.confirmations!;
    await until('bad confirmations taken', () => c.stats.messages >= 6 && c.stats.foreign >= 5, 10_000);
    t.match(c.stats, { confirmed: 0, invalid: 4, unknown: 1, foreign: 5 }, 'each counted by what was wrong');
    t.equal(gw.store.outboxDepth, 20, 'no punch let go');

    // the real thing, in two messages
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 1, ids: ids.slice(0, 10) }));
    await until('10 confirmed', () => gw.store.outboxDepth === 10, 10_000);
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 1, ids: ids.slice(10) }));
    await until('all confirmed', () => gw.store.outboxDepth === 0, 10_000);
    // a confirmation that comes twice (a resend confirmed again) changes nothing
    await confirm('x05/v1/cnf/CNF-1/confirm', JSON.stringify({ v: 1, ids: ids.slice(0, 3) }));
    await until('repeat taken', () => c.stats.unknown === 4, 10_000);
    t.equal(c.stats.confirmed, 20);
    m = await (await fetch(`${base}/metrics`)).text();
    t.equal(sample(m, 'x05_unconfirmed_punches{site="cnf",device="CNF-1"}'), 0);
    t.equal(sample(m, 'x05_punches_confirmed_total'), 20);
    t.equal(sample(m, 'x05_confirmations_ignored_total{reason="invalid"}'), 4);
    t.equal((await fetch(`${base}/healthz`)).status, 200, 'healthy again');
  },
);
