import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const SN = 'POISON-1';

t.test('poison from the LAN and on the broker: isolated, small dead letters, punches flow on', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const frappe = await standinFor(t, [{ userId: '7' }, { userId: '8' }, { userId: '9' }]);
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    clientId: 'poison-fwd',
    shareGroup: 'g-poison',
    topic: 'x05/v1/poison/+/punch',
    logger,
  });
  t.teardown(() => fwd.stop());
  const letters: Buffer[] = [];
  const watcher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'poison-watch' });
  t.teardown(() => watcher.endAsync());
  watcher.on('message', (_topic, payload) => letters.push(payload));
  await watcher.subscribeAsync('x05/v1/deadletter', { qos: 1 });
  const pushPort = await freePort();
  const gw = await startGateway(
    SiteConfigSchema.parse({
      site: 'poison',
      data_dir: tempDir(t),
      broker: { url: broker.url },
      push: { host: '127.0.0.1', port: pushPort, devices: [{ serial: SN, timezone: 'Asia/Kolkata' }] },
      ops: { listen: null },
    }),
    logger,
  );
  t.teardown(() => gw.stop());
  const post = async (lines: string[]) => {
    const r = await fetch(`http://127.0.0.1:${pushPort}/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=1`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    return r.text();
  };

  // a 4.5 MB line beside a good one: the terminal is answered for both, only the good one is a punch
  const hugeLine = `7\t2024-05-01 08:00:00\t0\t1\t0\t0\t${'x'.repeat(4_500_000)}`;
  t.equal(await post([hugeLine, '8\t2024-05-01 08:01:00\t0\t1\t0\t0']), 'OK: 2');
  await until('the good line confirmed', () => gw.store.outboxDepth === 0 && fwd.stats.acked === 1, 20_000);
  t.equal(gw.push!.counters.rejected, 1, 'the long line refused at the door');
  t.equal(frappe.checkins.length, 1);

  // straight onto the broker with a site credential: 10 MB, and 200,000 levels of nesting
  const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'poison-pub' });
  t.teardown(() => publisher.endAsync());
  const topic = `x05/v1/poison/${SN}/punch`;
  await publisher.publishAsync(topic, Buffer.alloc(10 * 1024 * 1024, 'a'), { qos: 1 });
  await publisher.publishAsync(topic, `${'['.repeat(200_000)}${']'.repeat(200_000)}`, { qos: 1 });
  await until('both dead-lettered', () => letters.length === 2 && fwd.stats.acked === 3, 20_000);
  for (const l of letters) t.ok(l.byteLength < 64 * 1024, `dead letter of ${l.byteLength} bytes`);
  t.match(JSON.parse(letters[0]!.toString()), { payload_bytes: 10 * 1024 * 1024, truncated: true });

  // the same forwarder, still running, takes the next punch
  t.equal(await post(['9\t2024-05-01 08:02:00\t0\t1\t0\t0']), 'OK: 1');
  // the stand-in holds the Checkin before its answer reaches the forwarder, which counts it after that
  await until('the next punch written and counted', () => fwd.stats.synced === 2, 20_000);
  t.equal(frappe.checkins.length, 2);
  t.match(fwd.stats, { deadLettered: 2, synced: 2 });
});
