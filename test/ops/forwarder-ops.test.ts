import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { startForwarderOps } from '../../src/app/forwarder-ops.js';
import { CloudConfigSchema } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

t.test('forwarder ops endpoint: counters follow Frappe, a revoked key is a 503 until fixed', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const frappe = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'UTC',
    employees: [{ employee_name: 'E1', attendance_device_id: '1' }],
  });
  t.teardown(() => frappe.close());
  const cfg = CloudConfigSchema.parse({
    broker: { url: broker.url },
    share_group: 'opsf',
    topic: 'x05/v1/opsf/+/punch',
    frappe: { url: frappe.url, api_key: 'k', api_secret: 's', site_timezone: 'UTC' },
    ops: { listen: '127.0.0.1:0' },
  });
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    clientId: 'opsf-fwd',
    shareGroup: cfg.share_group,
    topic: cfg.topic,
    logger,
    batchSize: 4,
    lingerMs: 10,
  });
  t.teardown(() => fwd.stop());
  const ops = await startForwarderOps(cfg, fwd, logger);
  t.teardown(() => ops?.stop());
  const url = ops?.url ?? '';
  const metrics = async () => (await fetch(`${url}/metrics`)).text();

  const publisher = await connectAsync(broker.url, { protocolVersion: 5 });
  t.teardown(() => publisher.endAsync());
  const publish = async (from: number, n: number) => {
    await publishPunches(publisher, 'opsf', n, { from, userOf: (i) => (i % 5 === 4 ? '99' : '1') });
    await publisher.publishAsync('x05/v1/opsf/X05-1/punch', 'not json', { qos: 1 });
  };

  await publish(0, 10);
  await until('acked', async () => sample(await metrics(), 'x05_forwarder_acked_total') === 11, 15_000);
  const m = await metrics();
  t.equal(sample(m, 'x05_forwarder_synced_total'), 8, 'user 1: 8 Checkins');
  t.equal(sample(m, 'x05_forwarder_unmapped_total'), 2, 'user 99 has no employee');
  t.equal(sample(m, 'x05_forwarder_deadlettered_total'), 1);
  t.equal(sample(m, 'x05_forwarder_auth_paused'), 0);
  t.equal(frappe.checkins.length, 8);
  t.equal((await fetch(`${url}/healthz`)).status, 200);
  t.match(await (await fetch(url)).text(), '<title>x05-forwarder opsf</title>', 'the page names its group');
  const byDefault = await startForwarderOps({ ...cfg, share_group: 'x05-forwarder' }, fwd, logger);
  t.match(
    await (await fetch(byDefault?.url ?? '')).text(),
    '<title>x05-forwarder</title>',
    'the default group, named like the program, is not said twice',
  );
  await byDefault?.stop();

  frappe.tokenRevoked = true;
  await publish(10, 5);
  await until('paused', async () => sample(await metrics(), 'x05_forwarder_auth_paused') === 1, 15_000);
  const sick = await fetch(`${url}/healthz`);
  t.equal(sick.status, 503, 'an operator must act');
  t.match(await sick.json(), { ok: false, stages: { frappe: /API key refused/ } });
  const text = await runCli(['status', '--url', url]);
  t.equal(text.code, 0);
  t.match(text.output, /forwarder opsf .*: auth_paused — Frappe refuses the API key: .*401/);
  t.notMatch(text.output, /token k:s/, 'no secret');

  frappe.tokenRevoked = false;
  await until('running again', async () => (await fetch(`${url}/healthz`)).status === 200, 15_000);
  await until('all acked', async () => sample(await metrics(), 'x05_forwarder_acked_total') === 17, 15_000);
  t.equal(frappe.checkins.length, 12, 'every mapped punch one Checkin');
});

t.test('a message in hand longer than forwarder.max_in_hand_age_s turns healthz red', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const frappe = await standinFor(t, [{ userId: '1' }]);
  const cfg = CloudConfigSchema.parse({
    broker: { url: broker.url },
    share_group: 'slow',
    topic: 'x05/v1/slow/+/punch',
    frappe: { url: frappe.url, api_key: 'k', api_secret: 's', site_timezone: 'Asia/Kolkata' },
    forwarder: { max_in_hand_age_s: 1 },
    ops: { listen: '127.0.0.1:0' },
  });
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    clientId: 'slow-fwd',
    shareGroup: cfg.share_group,
    topic: cfg.topic,
    logger,
  });
  t.teardown(() => fwd.stop());
  const ops = await startForwarderOps(cfg, fwd, logger);
  t.teardown(() => ops?.stop());
  const url = ops?.url ?? '';
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'nothing in hand');

  // a Frappe that answers each call after 3 s: the punch waits in hand past the 1 s limit
  frappe.latencyMs = 3000;
  const publisher = await connectAsync(broker.url, { protocolVersion: 5 });
  t.teardown(() => publisher.endAsync());
  await publishPunches(publisher, 'slow', 1);
  await until('red', async () => (await fetch(`${url}/healthz`)).status === 503, 10_000);
  const sick = (await (await fetch(`${url}/healthz`)).json()) as { stages: { in_hand: string } };
  t.match(sick.stages.in_hand, /oldest message waits \d+ s for Frappe \(over 1 s\)/);
  t.ok(
    (sample(await (await fetch(`${url}/metrics`)).text(), 'x05_forwarder_oldest_in_hand_seconds') ?? 0) >= 1,
  );

  frappe.latencyMs = 0;
  await until('written and acknowledged', () => fwd.stats.acked === 1, 30_000);
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'green again once Frappe holds it');
  t.equal(fwd.stats.confirmed, 1);
});
