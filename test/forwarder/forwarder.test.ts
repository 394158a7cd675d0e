import { createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { type Forwarder, type ForwarderOptions, startForwarder } from '../../src/forwarder/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { encodePunchEvent } from '../../src/payload/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const USERS = ['4711', '4712', '4713', '4714'];

let broker: Mosquitto;
let publisher: MqttClient;
t.before(async () => {
  // a broker that keeps sessions across its restart: the forwarder's own resume is under test here; a
  // broker that loses everything is the gateway's confirmation loop's to cover (test/e2e)
  broker = await Mosquitto.start({ persistence: true });
  publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-publisher' });
});
t.teardown(async () => {
  await publisher.endAsync();
  await broker.close();
});

async function site(opts: Parameters<typeof FrappeStandin.start>[0] = {}) {
  const s = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'Asia/Kolkata',
    employees: USERS.map((u) => ({ employee_name: `Emp ${u}`, attendance_device_id: u })),
    ...opts,
  });
  t.teardown(() => s.close());
  return s;
}

function writerFor(url: string, secret = 's', timeoutMs = 5000) {
  return new FrappeBatchWriter({
    client: new FrappeClient({ url, apiKey: 'k', apiSecret: secret, timeoutMs }),
    siteTimezone: 'Asia/Kolkata',
  });
}

/** One forwarder per test site: its own share group and topic, so subtests do not see each other. */
async function forwarder(
  name: string,
  writer: FrappeBatchWriter,
  more: Partial<ForwarderOptions> = {},
): Promise<Forwarder> {
  const f = await startForwarder({
    brokerUrl: broker.url,
    clientId: `fwd-${name}`,
    shareGroup: `g-${name}`,
    topic: `x05/v1/${name}/+/punch`,
    sessionExpiryS: 300,
    writer,
    logger,
    retry: { initialMs: 20, maxMs: 200, slowMs: 100 },
    // small batches, so a stop or a fault lands in the middle of a stream
    batchSize: 5,
    ...more,
  });
  return f;
}

function punches(n: number, userOf = (i: number) => USERS[i % USERS.length]!): PunchEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makePunchEvent({
      deviceId: 'X05-1',
      site: 'hq',
      userId: userOf(i),
      deviceTime: new Date(Date.UTC(2024, 4, 1, 6, 0, i)).toISOString().slice(0, 19),
      timezone: 'Europe/Berlin',
      punch: i % 2,
      verify: 1,
      source: 'pull',
      receivedAt: new Date('2024-05-01T06:30:00Z'),
      clockOffsetS: null,
      raw: `rec${i}`,
    }),
  );
}

/** On the test site's topic, as that site's gateway would publish it (the site is not part of the id). */
async function publish(name: string, events: Array<PunchEvent | string>): Promise<void> {
  for (const e of events) {
    await publisher.publishAsync(
      `x05/v1/${name}/X05-1/punch`,
      typeof e === 'string' ? e : encodePunchEvent({ ...e, site: name }),
      { qos: 1 },
    );
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const synced = (s: FrappeStandin) => s.rawLogs.filter((d) => d.status === 'Synced').length;

t.test('N punches at QoS 1 → exactly N Raw Logs and N Checkins, in order per user', async (t) => {
  const s = await site();
  const f = await forwarder('plain', writerFor(s.url));
  const events = punches(40);
  await publish('plain', events);
  await waitFor('40 synced', () => synced(s) === 40);
  await f.stop();
  t.equal(s.rawLogs.length, 40);
  t.equal(s.checkins.length, 40);
  t.same(new Set(s.rawLogs.map((d) => d.name)), new Set(events.map((e) => e.id)));
  t.match(f.stats, { received: 40, acked: 40, synced: 40, deadLettered: 0 });
  for (const u of USERS) {
    const times = s.checkins.filter((c) => c.employee_name === `Emp ${u}`).map((c) => String(c.time));
    t.same(times, [...times].sort(), `user ${u} written in publish order`);
  }
});

t.test('forwarder restarted mid-stream (persistent session) → still exactly N', async (t) => {
  const s = await site({ latencyMs: 5 });
  const events = punches(60);
  const first = await forwarder('restart', writerFor(s.url));
  await publish('restart', events.slice(0, 40));
  await waitFor('some synced', () => synced(s) >= 10);
  await first.stop();
  const atStop = s.rawLogs.length;
  t.ok(atStop < 40, `stopped mid-stream (${atStop} of 40 written)`);
  await publish('restart', events.slice(40));
  const second = await forwarder('restart', writerFor(s.url));
  await waitFor('60 synced', () => synced(s) === 60);
  await sleep(200);
  await second.stop();
  t.equal(s.rawLogs.length, 60);
  t.equal(s.checkins.length, 60);
  // a message that arrives while the forwarder stops is left to redelivery, not written: a write that
  // ended after the connection could not be acknowledged, and one that raced the disconnect was
  // acknowledged by both forwarders
  t.equal(first.stats.synced, first.stats.acked, 'the first acknowledged every punch it wrote');
  t.equal(
    first.stats.acked + second.stats.acked,
    60,
    `each message acknowledged once (first ${first.stats.acked} of ${first.stats.received}, second ${second.stats.acked} of ${second.stats.received})`,
  );
});

t.test('PUBACK waits for the writer: a write cut off by a crash is redelivered', async (t) => {
  // a Frappe that accepts connections and never answers: the first forwarder's write never returns
  const sockets = new Set<Socket>();
  const hole = createServer((sock) => sockets.add(sock));
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const sock of sockets) sock.destroy();
    hole.close();
  });
  const holeUrl = `http://127.0.0.1:${(hole.address() as { port: number }).port}`;
  const s = await site();
  const [e] = punches(1);
  const first = await forwarder('crash', writerFor(holeUrl, 's', 60_000), { drainTimeoutMs: 50 });
  await publish('crash', [e!]);
  await waitFor('the write to start', () => sockets.size > 0 && first.stats.received === 1);
  await first.stop();
  t.equal(first.stats.acked, 0);
  const second = await forwarder('crash', writerFor(s.url));
  await waitFor('redelivered and synced', () => synced(s) === 1);
  await second.stop();
  t.equal(s.checkins.length, 1);
  t.equal(second.stats.acked, 1);
});

t.test('bad payloads go to the dead-letter topic and do not block the rest', async (t) => {
  const s = await site();
  const letters: Array<Record<string, unknown>> = [];
  const watcher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'dl-watcher' });
  t.teardown(() => watcher.endAsync());
  watcher.on('message', (_topic, payload) => letters.push(JSON.parse(payload.toString())));
  await watcher.subscribeAsync('x05/v1/deadletter', { qos: 1 });
  const f = await forwarder('bad', writerFor(s.url));
  const [good1, good2, good3] = punches(3);
  const wrongId = { ...good1!, id: 'f'.repeat(40) };
  // valid punches, but not of the site and device whose topic they came on (trust follows the topic)
  const otherDevice = makePunchEvent({
    deviceId: 'X05-9',
    site: 'bad',
    userId: '4711',
    deviceTime: '2024-05-01T07:00:00',
    timezone: 'Europe/Berlin',
    punch: 0,
    verify: 1,
    source: 'pull',
    receivedAt: new Date('2024-05-01T07:30:00Z'),
    clockOffsetS: null,
    raw: '',
  });
  const noTime: Record<string, unknown> = { ...good1! };
  delete noTime.device_time;
  await publish('bad', [
    good1!,
    '{not json',
    JSON.stringify(noTime),
    JSON.stringify({ ...good1!, v: 2 }),
    JSON.stringify(wrongId),
    JSON.stringify({ ...good2!, timezone: 'Mars/Olympus' }),
    JSON.stringify(good3),
    JSON.stringify(otherDevice),
    good2!,
  ]);
  // the letters can reach the subscriber before their PUBACK comes back and the message is acked
  await waitFor(
    '2 synced, 7 dead letters, 9 acked',
    () => synced(s) === 2 && letters.length === 7 && f.stats.acked === 9,
  );
  await f.stop();
  t.same(
    letters.map((l) => l.path),
    ['', 'device_time', 'v', 'id', 'timezone', 'site', 'device_id'],
  );
  t.match(letters[5], { reason: 'names site "hq" but came on site "bad"\'s topic' });
  t.match(letters[6], { reason: 'names device "X05-9" but came on device "X05-1"\'s topic' });
  t.equal(s.rawLogs.length, 2, 'neither was written');
  t.match(letters[0], {
    reason: /^not JSON/,
    topic: 'x05/v1/bad/X05-1/punch',
    payload: '{not json',
    forwarder: 'fwd-bad',
  });
  t.match(letters[2], { reason: 'unknown schema version 2' });
  t.equal(Buffer.from(String(letters[4]?.payload_base64), 'base64').toString(), letters[4]?.payload);
  t.match(f.stats, { received: 9, acked: 9, synced: 2, deadLettered: 7 });
});

t.test('an unmapped user parks the Raw Log as Unmapped', async (t) => {
  const s = await site();
  const f = await forwarder('unmapped', writerFor(s.url));
  const [e] = punches(1, () => '9999');
  await publish('unmapped', [e!]);
  await waitFor('acked', () => f.stats.acked === 1);
  await f.stop();
  t.match(s.rawLogs, [
    { name: e!.id, status: 'Unmapped', error: /no Employee with attendance_device_id = 9999/ },
  ]);
  t.equal(s.checkins.length, 0);
  t.equal(f.stats.unmapped, 1);
});

t.test('Frappe answering 502 (and a 504 that had committed) → retried, no loss, no doubles', async (t) => {
  const s = await site();
  const f = await forwarder('flaky', writerFor(s.url));
  s.failNext(3, { status: 502 });
  s.failNext(1, { status: 504, afterCommit: true, match: /insert_many/ });
  const events = punches(12);
  await publish('flaky', events);
  await waitFor('12 synced', () => synced(s) === 12);
  await f.stop();
  t.equal(s.rawLogs.length, 12);
  t.equal(s.checkins.length, 12);
  t.ok(f.stats.retries >= 4, `retried (${f.stats.retries})`);
  t.ok(s.requests.filter((r) => r.status === 502).length === 3);
});

t.test('auth failure: nothing acknowledged, punches wait for a fixed forwarder', async (t) => {
  const s = await site();
  const bad = await forwarder('auth', writerFor(s.url, 'wrong'));
  await publish('auth', punches(3));
  await waitFor('a few slow retries', () => bad.stats.retries >= 2);
  await bad.stop();
  t.equal(bad.stats.acked, 0);
  t.equal(s.rawLogs.length, 0);
  const good = await forwarder('auth', writerFor(s.url));
  await waitFor('3 synced', () => synced(s) === 3);
  await good.stop();
  t.equal(s.checkins.length, 3);
});

t.test('broker restart mid-stream: reconnect, redelivery, no loss, no doubles', async (t) => {
  const s = await site({ latencyMs: 5 });
  const f = await forwarder('bounce', writerFor(s.url));
  const events = punches(30);
  await publish('bounce', events);
  await waitFor('some synced', () => synced(s) >= 5);
  await broker.stop();
  await broker.start();
  await waitFor('30 synced', () => synced(s) === 30, 20_000);
  await f.stop();
  t.equal(s.rawLogs.length, 30);
  t.equal(s.checkins.length, 30);
});
