/**
 * The shipped cloud broker config (config/mosquitto.conf with config/mosquitto.acl) run by a real Mosquitto,
 * with real TLS and password logins. Only what a test must change is changed: the port (loopback only), the
 * file paths, and `user root` when run as root; every other directive is started as shipped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, connectAsync, ErrorWithReasonCode, type IClientOptions, type MqttClient } from 'mqtt';
import t from 'tap';
import { DEAD_LETTER_TOPIC } from '../../src/forwarder/dead-letter.js';
import { SITE_HEALTH_TOPIC } from '../../src/forwarder/site-health.js';
import { forwarderStatusTopic } from '../../src/forwarder/status.js';
import {
  deviceStatusTopic,
  gatewayHealthTopic,
  gatewayStatusTopic,
  punchTopic,
} from '../../src/publish/topics.js';
import { freePort, waitForPort } from '../helpers/free-port.js';
import { makePki } from '../helpers/pki.js';
import { repoRoot as root } from '../helpers/repo.js';
import { until } from '../helpers/until.js';

const shippedConf = readFileSync(join(root, 'config/mosquitto.conf'), 'utf8');
const shippedAcl = join(root, 'config/mosquitto.acl');
const NOT_AUTHORIZED = 135;
const WAIT_MS = 5000;

/** `key value` lines, comments and blank lines left out. */
function directives(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('#'));
}
const keyOf = (directive: string) => directive.split(' ')[0]!;

// ---- the broker: the shipped config with its port and paths replaced, certificates, passwords ----

/** What the shipped file says for each directive the test replaces (each must be there once, like this). */
const shippedValues: Record<string, string> = {
  listener: '8883',
  cafile: '/etc/mosquitto/certs/ca.crt',
  certfile: '/etc/mosquitto/certs/server.crt',
  keyfile: '/etc/mosquitto/certs/server.key',
  password_file: '/etc/mosquitto/passwd',
  acl_file: '/etc/mosquitto/x05.acl',
  persistence_location: '/var/lib/mosquitto/',
};
// a second listener, or another path, is something this test would not exercise: say so before starting
const unknown = directives(shippedConf).filter(
  (d) => shippedValues[keyOf(d)] !== undefined && d !== `${keyOf(d)} ${shippedValues[keyOf(d)]}`,
);
if (unknown.length > 0) {
  throw new Error(
    `config/mosquitto.conf has ${unknown.join(', ')}: this test only knows how to start ` +
      Object.entries(shippedValues)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'x05-cloud-broker-'));
const pki = makePki(dir);
const passwords: Record<string, string> = {
  hq: 'hq-secret',
  branch: 'branch-secret',
  'x05-forwarder': 'forwarder-secret',
};
const passwd = join(dir, 'passwd');
writeFileSync(passwd, '');
for (const [user, password] of Object.entries(passwords)) {
  execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
}
const port = await freePort();

/** What the test starts instead: a free loopback port, and files in the temp dir (the ACL as shipped). */
const startedValues: Record<string, string> = {
  listener: `${port} 127.0.0.1`,
  cafile: pki.files.ca,
  certfile: pki.files.serverCert,
  keyfile: pki.files.serverKey,
  password_file: passwd,
  acl_file: shippedAcl,
  persistence_location: `${dir}/`,
};
// as root Mosquitto drops to the `mosquitto` user, which cannot write its save file in our temp dir
const added = process.getuid?.() === 0 ? ['user root'] : [];
const startedConf =
  shippedConf
    .split('\n')
    .map((line) => {
      const [d] = directives(line);
      const value = d === undefined ? undefined : startedValues[keyOf(d)];
      return value === undefined ? line : `${keyOf(d!)} ${value}`;
    })
    .join('\n') + added.map((d) => `${d}\n`).join('');
const confFile = join(dir, 'mosquitto.conf');
writeFileSync(confFile, startedConf);

let brokerLog = '';
const broker = spawn('mosquitto', ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
broker.stderr.on('data', (d: Buffer) => {
  brokerLog += d.toString();
});
const clients: MqttClient[] = [];
t.teardown(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  if (broker.exitCode === null && broker.signalCode === null) {
    broker.kill('SIGTERM');
    await once(broker, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});
const exited = once(broker, 'exit').then(([code]) => {
  throw new Error(`mosquitto exited with ${String(code)}: ${brokerLog}`);
});
exited.catch(() => {});
try {
  await Promise.race([waitForPort(port), exited]);
} catch (err) {
  // a failure here ends the file before tap runs its teardowns
  broker.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  throw err;
}

// ---- clients ----

const url = `mqtts://127.0.0.1:${port}`;
const base: IClientOptions = {
  ca: pki.ca,
  protocolVersion: 5,
  reconnectPeriod: 0,
  connectTimeout: WAIT_MS,
};

interface Received {
  topic: string;
  payload: string;
}

/** A logged-in client and every message it has received, in order. */
async function login(username: string, opts: IClientOptions = {}) {
  const client = await connectAsync(url, {
    ...base,
    username,
    password: passwords[username],
    ...opts,
  });
  clients.push(client);
  const received: Received[] = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  /** Waits until a message on `topic` (with `payload`, if given) has arrived. */
  const receives = (topic: string, payload?: string) =>
    until(
      `${username} to receive ${topic}${payload === undefined ? '' : ` ${payload}`}`,
      () => received.some((m) => m.topic === topic && (payload === undefined || m.payload === payload)),
      WAIT_MS,
    );
  return { client, received, receives };
}

/** One connection attempt; resolves with how it ended: connected, an error, or closed before a CONNACK. */
async function attempt(target: string, opts: IClientOptions): Promise<{ connected: boolean; error?: Error }> {
  const client = connect(target, { ...base, ...opts });
  try {
    return await new Promise((resolve) => {
      client.once('connect', () => resolve({ connected: true }));
      client.once('error', (error) => resolve({ connected: false, error }));
      client.once('close', () => resolve({ connected: false }));
    });
  } finally {
    client.end(true);
  }
}

const forwarderId = 'x05-forwarder-1';
const forwarderStatus = forwarderStatusTopic('x05-forwarder', forwarderId);
const forwarder = await login('x05-forwarder', {
  clientId: forwarderId,
  will: { topic: forwarderStatus, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
});
const hq = await login('hq', { clientId: 'x05-gateway-hq' });
const branch = await login('branch', { clientId: 'x05-gateway-branch' });
const punch = (id: string) => JSON.stringify({ v: 1, id, site: 'hq', device_id: 'DEV1' });
const confirmation = (...ids: string[]) => JSON.stringify({ v: 1, ids });
const punchesTo = (r: Received[]) => r.filter((m) => m.topic.endsWith('/punch')).map((m) => m.payload);

t.test('the broker runs the shipped config, changed only where a test must', async (t) => {
  const shipped = directives(shippedConf);
  const started = directives(startedConf);
  for (const [key, value] of Object.entries(shippedValues)) {
    t.same(
      shipped.filter((d) => keyOf(d) === key),
      [`${key} ${value}`],
      `${key}: once in the shipped file`,
    );
    t.same(
      started.filter((d) => keyOf(d) === key),
      [`${key} ${startedValues[key]}`],
      `${key}: replaced`,
    );
  }
  const kept = shipped.filter((d) => shippedValues[keyOf(d)] === undefined);
  t.ok(kept.length >= 10, 'the shipped file has directives of its own');
  t.same(
    started.filter((d) => shippedValues[keyOf(d)] === undefined),
    [...kept, ...added],
    'every other shipped directive is started unchanged, in order, and nothing else is added',
  );
  t.notOk(started.includes('allow_anonymous true'));
});

t.test('a site publishes punches the forwarders share, and reads its own confirmations', async (t) => {
  const grants = await forwarder.client.subscribeAsync('$share/x05-forwarder/x05/v1/+/+/punch', { qos: 1 });
  t.same(
    grants.map((g) => g.qos),
    [1],
  );
  t.same(
    (await hq.client.subscribeAsync('x05/v1/hq/+/confirm', { qos: 1 })).map((g) => g.qos),
    [1],
  );

  await hq.client.publishAsync(punchTopic('hq', 'DEV1'), punch('p1'), { qos: 1 });
  await forwarder.receives(punchTopic('hq', 'DEV1'), punch('p1'));

  await forwarder.client.publishAsync('x05/v1/hq/DEV1/confirm', confirmation('p1'), { qos: 1 });
  await hq.receives('x05/v1/hq/DEV1/confirm', confirmation('p1'));
});

t.test('another site can neither publish a punch as this one nor read its confirmations', async (t) => {
  // MQTT v5: the broker answers the QoS 1 publish with PUBACK 135 and drops it; mqtt.js rejects
  const denied = await branch.client.publishAsync(punchTopic('hq', 'DEV1'), punch('forged'), { qos: 1 }).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.type(denied, ErrorWithReasonCode);
  t.equal((denied as ErrorWithReasonCode).code, NOT_AUTHORIZED);
  t.match((denied as Error).message, /Not authorized/);
  // branch's PUBACK came before hq publishes this one, and the forwarder receives in the broker's order:
  // once p2 is in, a forged punch delivered at all would be in too
  await hq.client.publishAsync(punchTopic('hq', 'DEV1'), punch('p2'), { qos: 1 });
  await forwarder.receives(punchTopic('hq', 'DEV1'), punch('p2'));
  t.same(punchesTo(forwarder.received), [punch('p1'), punch('p2')]);

  // Mosquitto 2.0's acl_file does not check subscriptions: the SUBACK grants them (no 0x87), and the ACL
  // applies when each message would be delivered. That check is what keeps hq's confirmations from branch.
  const grants = await branch.client.subscribeAsync(['x05/v1/hq/+/confirm', '#', 'x05/v1/branch/+/confirm'], {
    qos: 1,
  });
  t.same(
    grants.map((g) => [g.topic, g.qos]),
    [
      ['x05/v1/hq/+/confirm', 1],
      ['#', 1],
      ['x05/v1/branch/+/confirm', 1],
    ],
  );
  await forwarder.client.publishAsync('x05/v1/hq/DEV1/confirm', confirmation('p2'), { qos: 1 });
  await hq.receives('x05/v1/hq/DEV1/confirm', confirmation('p2'));
  // same publisher, so branch gets this one after the confirmation above, had that been delivered to it
  await forwarder.client.publishAsync('x05/v1/branch/DEV9/confirm', confirmation('b1'), { qos: 1 });
  await branch.receives('x05/v1/branch/DEV9/confirm');
  t.same([...new Set(branch.received.map((m) => m.topic))], ['x05/v1/branch/DEV9/confirm'], 'only its own');
});

t.test('every topic the gateway and the forwarder write is allowed them, and nothing else', async (t) => {
  t.same(
    (await forwarder.client.subscribeAsync('x05/v1/+/+/status', { qos: 1 })).map((g) => g.qos),
    [1],
  );
  for (const topic of [deviceStatusTopic('hq', 'DEV1'), gatewayStatusTopic('hq'), gatewayHealthTopic('hq')]) {
    await hq.client.publishAsync(topic, '{"state":"online"}', { qos: 1, retain: true });
  }
  await forwarder.receives(deviceStatusTopic('hq', 'DEV1'));
  await forwarder.receives(gatewayStatusTopic('hq'));
  await forwarder.client.subscribeAsync(SITE_HEALTH_TOPIC, { qos: 1 });
  await forwarder.receives(gatewayHealthTopic('hq'));
  await forwarder.client.publishAsync(DEAD_LETTER_TOPIC, '{"reason":"test"}', { qos: 1 });
  await forwarder.client.publishAsync(forwarderStatus, '{"state":"running"}', { qos: 1, retain: true });

  const refusals: Array<[{ client: MqttClient }, string, string]> = [
    [forwarder, punchTopic('hq', 'DEV1'), 'the forwarder forging a punch'],
    [hq, 'x05/v1/hq/DEV1/confirm', 'a site confirming its own punches'],
    [hq, deviceStatusTopic('branch', 'DEV9'), "a site writing another site's device status"],
    [hq, gatewayStatusTopic('branch'), "a site writing another site's gateway status"],
    [hq, forwarderStatus, "a site writing a forwarder's status"],
    [hq, DEAD_LETTER_TOPIC, 'a site writing dead letters'],
    [branch, 'x05/v1/other', 'anything outside the contract'],
  ];
  for (const [who, topic, what] of refusals) {
    await t.rejects(who.client.publishAsync(topic, 'x', { qos: 1 }), { code: NOT_AUTHORIZED }, what);
  }
});

t.test('anonymous, a wrong password, an untrusted certificate and plain MQTT are refused', async (t) => {
  await t.rejects(connectAsync(url, base), { code: NOT_AUTHORIZED }, 'anonymous');
  await t.rejects(
    connectAsync(url, { ...base, username: 'hq', password: 'wrong' }),
    { code: NOT_AUTHORIZED },
    'wrong password',
  );
  await t.rejects(
    connectAsync(url, { ...base, username: 'nobody', password: 'x' }),
    { code: NOT_AUTHORIZED },
    'unknown user',
  );

  const untrusted = await attempt(url, { ca: pki.otherCa, username: 'hq', password: passwords.hq });
  t.notOk(untrusted.connected, 'a broker certificate not signed by the CA the client trusts');
  t.match(untrusted.error?.message, /certificate/);

  const plain = await attempt(`mqtt://127.0.0.1:${port}`, { username: 'hq', password: passwords.hq });
  t.notOk(plain.connected, 'plain MQTT on the TLS port');
});
