import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { forwarderStatusTopic } from '../../src/forwarder/status.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { publishPunches } from '../helpers/publish-punches.js';
import { standinForwarder } from '../helpers/standin-forwarder.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });

let broker: Mosquitto;
let publisher: MqttClient;
t.before(async () => {
  broker = await Mosquitto.start();
  publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'status-publisher' });
});
t.teardown(async () => {
  await publisher.endAsync();
  await broker.close();
});

/** Every status message seen on `topic`, parsed, in order (the retained one first). */
async function watch(t: Test, topic: string): Promise<Array<Record<string, unknown>>> {
  const seen: Array<Record<string, unknown>> = [];
  const watcher = await connectAsync(broker.url, { protocolVersion: 5, clientId: `watch-${topic}` });
  t.teardown(() => watcher.endAsync());
  watcher.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString())));
  await watcher.subscribeAsync(topic, { qos: 1 });
  return seen;
}

async function site() {
  const s = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'UTC',
    employees: ['1', '2'].map((u) => ({ employee_name: `E${u}`, attendance_device_id: u })),
  });
  t.teardown(() => s.close());
  return s;
}

function start(name: string, s: FrappeStandin, brokerUrl = broker.url) {
  return standinForwarder({
    brokerUrl,
    frappe: s,
    clientId: `${name}-fwd`,
    shareGroup: name,
    topic: `x05/v1/${name}/+/punch`,
    logger,
    batchSize: 4,
    lingerMs: 10,
  });
}

function publish(site: string, n: number): Promise<void> {
  return publishPunches(publisher, site, n, { userOf: (i) => String(1 + (i % 2)) });
}

const states = (seen: Array<Record<string, unknown>>) => seen.map((s) => s.state);

t.test(
  'token revoked: retained status auth_paused, then running once the key works; one Checkin per punch',
  async (t) => {
    const s = await site();
    const f = await start('st', s);
    t.equal(f.statusTopic, 'x05/v1/forwarder/st/st-fwd/status');
    t.equal(f.statusTopic, forwarderStatusTopic('st', 'st-fwd'));
    const seen = await watch(t, f.statusTopic);
    await until('the retained running status', () => seen.length === 1);
    t.match(seen[0], { state: 'running', since: /^\d{4}-\d\d-\d\dT/ });

    s.tokenRevoked = true;
    await publish('st', 10);
    await until('auth_paused', () => states(seen).includes('auth_paused'), 10_000);
    t.match(seen[1], {
      state: 'auth_paused',
      since: /^\d{4}-\d\d-\d\dT/,
      reason: /401 AuthenticationError/,
    });
    t.notMatch(JSON.stringify(seen[1]), /token k:s|"s"/, 'no secret in the status');
    await until('a second probe', () => f.stats.retries >= 2, 10_000);
    t.equal(seen.length, 2, 'one auth_paused message, not one per refused call');
    t.equal(f.stats.acked, 0, 'nothing acknowledged while paused');

    s.tokenRevoked = false;
    await until('10 acked', () => f.stats.acked === 10, 10_000);
    t.same(states(seen), ['running', 'auth_paused', 'running']);
    await f.stop();
    await until('offline on a clean stop', () => seen.length === 4);
    t.match(seen[3], { state: 'offline', since: /^\d{4}-/ });

    t.equal(s.checkins.length, 10, 'every punch is one Checkin');
    t.equal(new Set(s.checkins.map((c) => `${c.employee}|${c.time}`)).size, 10, 'no doubles');
    t.equal(s.rawLogs.filter((l) => l.status === 'Synced').length, 10);
  },
);

t.test('the last will says offline when the connection dies', async (t) => {
  const s = await site();
  // a TCP front that can be cut, as a network failure would
  const sockets = new Set<Socket>();
  const front = createServer((sock) => {
    const back = tcpConnect(broker.port, '127.0.0.1');
    sockets.add(sock).add(back);
    sock.pipe(back).pipe(sock);
    sock.on('error', () => back.destroy());
    back.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const f = await start('will', s, `mqtt://127.0.0.1:${(front.address() as { port: number }).port}`);
  const seen = await watch(t, f.statusTopic);
  await until('running', () => seen.length === 1);
  front.close();
  for (const sock of sockets) sock.destroy();
  await until('the will', () => seen.length === 2, 10_000);
  t.same(seen[1], { state: 'offline' }, 'the will: offline, no since (the broker cannot know it)');
  await f.stop();
  t.equal(seen.length, 2, 'a stop while the broker is unreachable neither hangs nor says more');
});
