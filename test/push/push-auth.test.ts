import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import type { PushCredentials } from '../../src/push/admission.js';
import { startPushServer } from '../../src/push/index.js';
import { pushCursorKey } from '../../src/push/push-cursor.js';
import { PunchStore } from '../../src/store/index.js';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { rawRequest, terminalRequest } from './raw-http.js';

const logger = pino({ level: 'silent' });
const SN = 'CKJX201260017';
const KEY = 'k3y-0f-the-terminal';
// the terminal at 127.0.0.1; a second LAN host at 127.0.0.2 (the whole 127/8 is loopback on Linux)
const TERMINAL = '127.0.0.1';
const INTRUDER = '127.0.0.2';
const BODY = '1043\t2024-05-06 08:01:15\t0\t1\t0\t0\t0\n1077\t2024-05-06 08:02:40\t0\t15\t0\t0\t0\n';
// packed time of 2024-05-06 08:02:40, the newest punch in BODY (adms-push §4.3)
const NEWEST_PACKED = 782553760;

async function setup(t: Test, credentials: PushCredentials) {
  const dir = tempDir(t);
  const store = await PunchStore.open(join(dir, 'store'));
  const server = await startPushServer({
    site: 'hq',
    devices: [{ serial: SN, timezone: 'UTC', ...credentials }],
    sink: store,
    logger,
  });
  t.teardown(async () => {
    await server.stop();
    await store.close();
  });
  const send = (method: 'GET' | 'POST', path: string, from: string, body?: string) =>
    rawRequest(server.port, terminalRequest(method, path, body), from);
  const handshake = (from: string, key = '') =>
    send('GET', `/iclock/cdata?SN=${SN}&options=all${key ? `&pushcommkey=${key}` : ''}`, from);
  const punches = async () => {
    let n = 0;
    for await (const _ of store.rawLog()) n++;
    return n;
  };
  return { server, store, send, handshake, punches };
}

/** Every route a terminal calls (adms-push §3), with a body where it posts one. */
const ROUTES: Array<{ method: 'GET' | 'POST'; path: string; body?: string }> = [
  { method: 'GET', path: `/iclock/cdata?SN=${SN}&options=all` },
  { method: 'GET', path: `/iclock/cdata?SN=${SN}&PIN=1043` },
  { method: 'GET', path: `/iclock/cdata?SN=${SN}` },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=4294967295`, body: BODY },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=OPERLOG&Stamp=9999`, body: 'USER PIN=1\tName=x\n' },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=USERINFO`, body: 'USER PIN=1\tName=x\n' },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=options`, body: 'IPAddress=10.6.6.6' },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=ATTPHOTO`, body: 'x' },
  { method: 'POST', path: `/iclock/cdata?SN=${SN}&table=rtlog`, body: 'x' },
  { method: 'POST', path: `/iclock/fdata?SN=${SN}&table=ATTPHOTO`, body: 'x' },
  { method: 'GET', path: `/iclock/getrequest?SN=${SN}` },
  { method: 'POST', path: `/iclock/devicecmd?SN=${SN}`, body: 'ID=1&Return=0&CMD=REBOOT\n' },
  { method: 'GET', path: `/iclock/ping?SN=${SN}` },
  { method: 'POST', path: `/iclock/registry?SN=${SN}`, body: 'x' },
  { method: 'GET', path: `/iclock/push?SN=${SN}` },
  { method: 'GET', path: `/iclock/rtdata?SN=${SN}&type=time` },
  { method: 'GET', path: `/iclock/querydata?SN=${SN}` },
  { method: 'POST', path: `/iclock/exchange?SN=${SN}`, body: 'x' },
];

t.test('with a token, every route refuses a request without the key from another address', async (t) => {
  const { server, handshake, send, punches } = await setup(t, { token: KEY });
  t.equal((await handshake(TERMINAL, KEY)).status, 200, 'the terminal’s keyed handshake');
  const id = server.commands.enqueue(SN, { kind: 'REBOOT' });
  for (const r of ROUTES) {
    t.equal((await send(r.method, r.path, INTRUDER, r.body)).status, 403, `no key: ${r.method} ${r.path}`);
    const wrong = `${r.path}&pushcommkey=guess`;
    t.equal((await send(r.method, wrong, TERMINAL, r.body)).status, 403, `wrong key: ${r.method} ${r.path}`);
  }
  t.equal(server.counters.refused, ROUTES.length * 2);
  t.equal(await punches(), 0, 'nothing stored');
  t.same(
    server.commands.pending(SN).map((c) => [c.id, c.command.kind, c.sentAt]),
    [[id, 'REBOOT', undefined]],
    'the queued command is still waiting for the terminal',
  );
  t.equal(server.device(SN)?.info.IPAddress, undefined, 'no forged options kept');
});

t.test('with a token: the key from anywhere, or old firmware from its handshake address', async (t) => {
  const { server, handshake, send, punches } = await setup(t, { token: KEY });
  t.equal((await handshake(TERMINAL)).status, 403, 'a handshake always needs the key');
  const attlog = `/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=9999`;
  t.equal((await send('POST', attlog, TERMINAL, BODY)).status, 403, 'no keyed handshake yet');
  t.equal((await handshake(TERMINAL, KEY)).status, 200);
  const ok = await send('POST', attlog, TERMINAL, BODY);
  t.same([ok.status, ok.body], [200, 'OK: 2'], 'keyless post from the handshake address (old firmware)');
  t.equal((await send('POST', attlog, INTRUDER, BODY)).status, 403, 'keyless post from elsewhere');
  const keyed = await send('POST', `${attlog}&pushcommkey=${KEY}`, INTRUDER, BODY);
  t.equal(keyed.status, 200, 'a keyed request from a new address');
  t.equal(await punches(), 2);

  // the terminal moves: its next keyed handshake moves the binding with it
  t.equal((await handshake(INTRUDER, KEY)).status, 200);
  t.equal((await send('POST', attlog, TERMINAL, BODY)).status, 403, 'the old address is no longer trusted');
  t.equal((await send('POST', attlog, INTRUDER, BODY)).status, 200);
  t.equal(server.counters.refused, 4);
});

t.test('the handshake address survives a restart of the receiver', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'store');
  const start = async () => {
    const store = await PunchStore.open(path);
    const server = await startPushServer({
      site: 'hq',
      devices: [{ serial: SN, timezone: 'UTC', token: KEY }],
      sink: store,
      logger,
    });
    return { store, server };
  };
  const first = await start();
  await rawRequest(
    first.server.port,
    terminalRequest('GET', `/iclock/cdata?SN=${SN}&options=all&pushcommkey=${KEY}`),
  );
  await first.server.stop();
  await first.store.close();
  const second = await start();
  t.teardown(async () => {
    await second.server.stop();
    await second.store.close();
  });
  const r = await rawRequest(
    second.server.port,
    terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG`, BODY),
    TERMINAL,
  );
  t.same([r.status, r.body], [200, 'OK: 2'], 'old firmware keeps posting without a new handshake');
});

t.test('key_every_request refuses keyless requests also from the handshake address', async (t) => {
  const { handshake, send } = await setup(t, { token: KEY, keyEveryRequest: true });
  t.equal((await handshake(TERMINAL, KEY)).status, 200);
  t.equal((await send('GET', `/iclock/getrequest?SN=${SN}`, TERMINAL)).status, 403);
  t.equal((await send('GET', `/iclock/getrequest?SN=${SN}&pushcommkey=${KEY}`, TERMINAL)).status, 200);
});

t.test('allowed_ips refuses every route from outside the list, key or not', async (t) => {
  const { server, handshake, send } = await setup(t, {
    token: KEY,
    allowedIps: ['127.0.0.1/32', '10.0.0.0/8'],
  });
  for (const r of ROUTES) {
    const keyed = `${r.path}&pushcommkey=${KEY}`;
    t.equal((await send(r.method, keyed, INTRUDER, r.body)).status, 403, `${r.method} ${r.path}`);
  }
  t.equal((await handshake(TERMINAL, KEY)).status, 200, 'inside the list');
  t.equal(server.counters.refused, ROUTES.length);
});

t.test('without a token: commands and their results only with the handshake address', async (t) => {
  const { server, handshake, send } = await setup(t, {});
  t.equal((await handshake(TERMINAL)).status, 200);
  const id = server.commands.enqueue(SN, { kind: 'REBOOT' });
  const poll = `/iclock/getrequest?SN=${SN}`;
  t.equal((await send('GET', poll, INTRUDER)).body, 'OK', 'a LAN host polling as the terminal gets nothing');
  const forged = `ID=${id}&Return=0&CMD=REBOOT\n`;
  t.equal((await send('POST', `/iclock/devicecmd?SN=${SN}`, INTRUDER, forged)).status, 200);
  t.equal(server.commands.results(SN).length, 0, 'a forged result is not believed');
  t.equal((await send('GET', poll, TERMINAL)).body, `C:${id}:REBOOT\n`, 'the terminal gets its command');
  await send('POST', `/iclock/devicecmd?SN=${SN}`, TERMINAL, forged);
  t.match(server.commands.results(SN), [{ id, result: { returnCode: 0 } }]);
});

t.test('a posted stamp never announces more than the punches held (§4.3)', async (t) => {
  const { handshake, send } = await setup(t, {});
  const announced = async () => /\r\nATTLOGStamp=([^\r]*)\r\n/.exec((await handshake(TERMINAL)).body)?.[1];
  const post = (stamp: string) =>
    send('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=${stamp}`, TERMINAL, BODY);
  await post('782553675');
  t.equal(await announced(), '782553675', 'a stamp within the punches held is echoed');
  await post('4294967295');
  t.equal(await announced(), '782553675', 'a stamp past the newest punch held is not kept');
  await post(String(NEWEST_PACKED));
  t.equal(await announced(), String(NEWEST_PACKED), 'the newest punch held is the bound');
  await post(String(NEWEST_PACKED + 1));
  t.equal(await announced(), String(NEWEST_PACKED));
  await post('12abc');
  t.equal(await announced(), String(NEWEST_PACKED), 'not a packed time');

  // a cursor poisoned before the bound existed is not announced
  const fresh = await setup(t, {});
  await fresh.store.accept([], { cursor: { device: pushCursorKey(SN), value: { ATTLOG: '4294967295' } } });
  t.match((await fresh.handshake(TERMINAL)).body, /\r\nATTLOGStamp=None\r\n/, 'the terminal re-sends all');
});

t.test('an OPERLOG stamp past the terminal’s today is not kept', async (t) => {
  const { handshake, send } = await setup(t, {});
  const post = (stamp: string) =>
    send('POST', `/iclock/cdata?SN=${SN}&table=OPERLOG&Stamp=${stamp}`, TERMINAL, 'USER PIN=1\tName=a\n');
  await post('782553675');
  t.match((await handshake(TERMINAL)).body, /\r\nOPERLOGStamp=782553675\r\n/);
  await post('4294967295');
  t.match((await handshake(TERMINAL)).body, /\r\nOPERLOGStamp=782553675\r\n/);
});

t.test('USER rows past the bound are counted, not kept', async (t) => {
  const { server, send } = await setup(t, {});
  const rows = Array.from({ length: 3000 }, (_, i) => `USER PIN=${i}\tName=${'n'.repeat(500)}`).join('\n');
  for (let i = 0; i < 8; i++) {
    const body = rows.replaceAll('PIN=', `PIN=${i}-`);
    t.equal((await send('POST', `/iclock/cdata?SN=${SN}&table=OPERLOG`, TERMINAL, body)).status, 200);
  }
  const long = `USER PIN=${'9'.repeat(300)}\tName=x`;
  await send('POST', `/iclock/cdata?SN=${SN}&table=USERINFO`, TERMINAL, long);
  const users = server.device(SN)!.users;
  t.equal(users.size, 20_000, 'at most 20,000 users per terminal');
  t.equal(server.counters.usersDropped, 8 * 3000 - 20_000 + 1, 'the rest counted; an over-long id too');
  t.equal(users.get('0-1')?.length, 64, 'names cut to 64 characters');
});

t.test('a real push terminal process with a key set on the handshake only', async (t) => {
  const { server, punches, send } = await setup(t, { token: KEY });
  const sim = spawnCli([
    'simulate',
    '--push',
    `http://127.0.0.1:${server.port}`,
    '--serial',
    SN,
    '--records',
    '400',
    '--push-key',
    KEY,
  ]);
  t.teardown(() => stopCli(sim));
  await waitForOutput(sim, /backlog uploaded/, 60_000);
  await until('400 punches stored', async () => (await punches()) === 400, 10_000);
  t.equal(server.counters.refused, 0, 'the terminal was never refused');
  const attlog = `/iclock/cdata?SN=${SN}&table=ATTLOG`;
  t.equal((await send('POST', attlog, INTRUDER, BODY)).status, 403, 'a LAN host posing as it is');
});
