import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { startPushServer } from '../../src/push/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { rawRequest, terminalRequest } from './raw-http.js';

const logger = pino({ level: 'silent' });
const SN = 'CKJX201260017';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
// adms-push §10 B, byte for byte (⇥ = TAB, LF line ends): 71 bytes
const BODY_B = '1043\t2024-05-06 08:01:15\t0\t1\t0\t0\t0\n1077\t2024-05-06 08:02:40\t0\t15\t0\t0\t0\n';

async function setup(
  t: Test,
  extra: { token?: string; bodyLimitBytes?: number; requestTimeoutMs?: number; logger?: typeof logger } = {},
) {
  const dir = tempDir(t);
  const store = await PunchStore.open(join(dir, 'store'));
  const server = await startPushServer({
    site: 'hq',
    devices: [{ serial: SN, timezone: 'Asia/Kolkata', ...(extra.token ? { token: extra.token } : {}) }],
    sink: store,
    logger: extra.logger ?? logger,
    ...(extra.bodyLimitBytes ? { bodyLimitBytes: extra.bodyLimitBytes } : {}),
    ...(extra.requestTimeoutMs ? { requestTimeoutMs: extra.requestTimeoutMs } : {}),
  });
  t.teardown(async () => {
    await server.stop();
    await store.close();
  });
  const events = async () => {
    const out = [];
    for await (const e of store.rawLog()) out.push(e);
    return out;
  };
  return { dir, store, server, events };
}

t.test(
  'handshake: the option block, text/plain, a Date, the zone in minutes (adms-push.md §10 A)',
  async (t) => {
    const { server } = await setup(t);
    const r = await rawRequest(
      server.port,
      terminalRequest('GET', `/iclock/cdata?SN=${SN}&options=all&pushver=2.4.1&language=69`),
    );
    t.equal(r.status, 200);
    t.equal(r.headers['content-type'], 'text/plain');
    t.match(r.headers.date, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    t.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
    const lines = r.body.split('\r\n');
    t.equal(lines[0], `GET OPTION FROM: ${SN}`);
    t.ok(lines.includes('ATTLOGStamp=None'), 'nothing held yet: send everything');
    t.ok(lines.includes('TimeZone=330'), 'India +05:30 as minutes (|value| ≥ 25 is read as minutes)');
    t.ok(lines.includes('Realtime=1'));
    t.ok(lines.includes('TransFlag=TransData AttLog OpLog EnrollUser ChgUser'));
    t.notOk(/ICLOCKSVRURL/.test(r.body), 'never a redirect');
    t.equal(lines.at(-1), '', 'CRLF after the last line');
  },
);

t.test('upload without Content-Type is stored, then answered OK: 2 (§10 B)', async (t) => {
  const { server, events, store } = await setup(t);
  t.equal(Buffer.byteLength(BODY_B), 71, 'the spec example body');
  const req = terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=9999`, BODY_B);
  t.notOk(/content-type/i.test(req));
  const r = await rawRequest(server.port, req);
  t.equal(r.status, 200);
  t.equal(r.headers['content-type'], 'text/plain');
  t.equal(r.body, 'OK: 2');
  const got = await events();
  t.equal(got.length, 2);
  t.match(got[0], {
    id: sha1(`${SN}|1043|2024-05-06 08:01:15|0`),
    device_id: SN,
    user_id: '1043',
    device_time: '2024-05-06T08:01:15',
    punch: 0,
    verify: 1,
    timezone: 'Asia/Kolkata',
    source: 'push',
    site: 'hq',
    raw: Buffer.from('1043\t2024-05-06 08:01:15\t0\t1\t0\t0\t0').toString('hex'),
  });
  t.match(got[1], { user_id: '1077', verify: 15, id: sha1(`${SN}|1077|2024-05-06 08:02:40|0`) });

  const again = await rawRequest(server.port, req);
  t.equal(again.body, 'OK: 2', 'a re-sent batch counts every line it holds');
  t.equal((await events()).length, 2, 'and stores nothing twice');
  t.equal(store.outboxDepth, 2);
  t.match(server.counters, { lines: 4, stored: 2, duplicates: 2, rejected: 0 });
});

t.test(
  'CRLF, an empty workcode, 10 fields and a junk line: the junk is skipped, every line counted',
  async (t) => {
    const { server, events } = await setup(t);
    const body = [
      '20156107\t2020-02-22 23:10:05\t255\t1\t\t0\t0\t2',
      '11\t2025-08-27 10:57:49\t0\t25\t0\t0\t0\t0\t0\t0',
      'ZZZZZZZZZZ\t2047-02-30 19:13:30\t1\t900\t90\t1515870810',
      '0042\t2024-05-06 09:00:00\t1\t4\t0\t0\t0',
    ].join('\r\n');
    const r = await rawRequest(
      server.port,
      terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG`, body),
    );
    t.equal(r.body, 'OK: 4');
    const got = await events();
    t.same(
      got.map((e) => [e.user_id, e.device_time, e.punch, e.verify]),
      [
        ['20156107', '2020-02-22T23:10:05', 255, 1],
        ['11', '2025-08-27T10:57:49', 0, 25],
        ['0042', '2024-05-06T09:00:00', 1, 4],
      ],
      'leading zeros kept, 255 kept',
    );
    t.equal(server.counters.rejected, 1);
  },
);

t.test('an unknown serial is refused with 403 and nothing is stored', async (t) => {
  const logs: string[] = [];
  const { server, events } = await setup(t, {
    logger: pino({ level: 'warn' }, { write: (l: string) => logs.push(l) }),
  });
  for (const path of [
    '/iclock/cdata?SN=INTRUDER1&options=all',
    '/iclock/cdata?SN=INTRUDER1&table=ATTLOG',
    '/iclock/cdata?table=ATTLOG',
  ]) {
    const r = await rawRequest(server.port, terminalRequest('POST', path, BODY_B));
    t.equal(r.status, 403, path);
    t.equal(r.body, 'UNKNOWN DEVICE');
  }
  t.equal((await events()).length, 0);
  t.equal(server.counters.refused, 3);
  const warned = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'push request refused');
  t.equal(warned.length, 2);
  t.match(
    warned,
    [
      { device: 'INTRUDER1', why: 'serial not configured', ip: '127.0.0.1' },
      { device: null, why: 'no SN' },
    ],
    'one line per serial and reason (repeats within a minute are counted, not logged)',
  );
  t.equal(server.counters.lines, 0);
});

t.test('a configured token must come with the handshake', async (t) => {
  const { server } = await setup(t, { token: 's3cret' });
  const hs = (key: string) =>
    rawRequest(server.port, terminalRequest('GET', `/iclock/cdata?SN=${SN}&options=all${key}`));
  t.equal((await hs('')).status, 403);
  t.equal((await hs('&pushcommkey=wrong')).status, 403);
  t.equal((await hs('&pushcommkey=s3cret')).status, 200);
  t.equal(server.counters.refused, 2);
});

t.test('a body over the limit is refused before it is read whole', async (t) => {
  const { server, events } = await setup(t, { bodyLimitBytes: 1000 });
  const body = BODY_B.repeat(20);
  const r = await rawRequest(
    server.port,
    terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG`, body),
  );
  t.equal(r.status, 413);
  t.equal((await events()).length, 0);
  t.equal(server.counters.tooLarge, 1);
});

t.test('a client that stalls mid-request is cut off', async (t) => {
  const { server } = await setup(t, { requestTimeoutMs: 500 });
  const { connect } = await import('node:net');
  const s = connect({ port: server.port, host: '127.0.0.1' });
  s.write(`POST /iclock/cdata?SN=${SN}&table=ATTLOG HTTP/1.0\r\nContent-Length: 500\r\n\r\n1043\t`);
  s.resume();
  await new Promise((resolve) => s.on('close', resolve));
  t.pass('the server closed the connection');
});

t.test('a real stamp is echoed at the next handshake, also after a restart (§4.3)', async (t) => {
  const { server, store, dir } = await setup(t);
  const post = (stamp: string) =>
    rawRequest(
      server.port,
      terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=${stamp}`, BODY_B),
    );
  await post('782553675');
  await post('9999');
  const hs = terminalRequest('GET', `/iclock/cdata?SN=${SN}&options=all`);
  t.match(
    (await rawRequest(server.port, hs)).body,
    /\r\nATTLOGStamp=782553675\r\n/,
    'placeholder 9999 ignored',
  );
  await server.stop();
  const second = await startPushServer({
    site: 'hq',
    devices: [{ serial: SN, timezone: 'Asia/Kolkata' }],
    sink: store,
    logger,
  });
  t.teardown(() => second.stop());
  t.match((await rawRequest(second.port, hs)).body, /\r\nATTLOGStamp=782553675\r\n/, 'kept in the store');
  t.ok(dir);
});

t.test('getrequest: OK when idle, queued commands once, results recorded by id (§6)', async (t) => {
  const { server } = await setup(t);
  const poll = () =>
    rawRequest(
      server.port,
      terminalRequest('GET', `/iclock/getrequest?SN=${SN}&INFO=Ver%206.60,35,62,18240,192.168.1.201`),
    );
  t.equal((await poll()).body, 'OK', 'never an empty body');
  // commands go only to the address of the terminal's handshake
  await rawRequest(server.port, terminalRequest('GET', `/iclock/cdata?SN=${SN}&options=all`));
  const id = server.commands.enqueue(SN, {
    kind: 'DATA QUERY ATTLOG',
    start: '2024-05-06 00:00:00',
    end: '2024-05-06 23:59:59',
  });
  server.commands.enqueue(SN, { kind: 'REBOOT' });
  const r = await poll();
  t.equal(
    r.body,
    `C:${id}:DATA QUERY ATTLOG StartTime=2024-05-06 00:00:00\tEndTime=2024-05-06 23:59:59\nC:${id + 1}:REBOOT\n`,
  );
  t.equal((await poll()).body, 'OK', 'sent once');
  t.equal(server.device(SN)?.info.attlogs, '18240', 'INFO counts kept');
  const result = `ID=${id}&Return=0&CMD=DATA\n`;
  for (let i = 0; i < 2; i++) {
    const d = await rawRequest(server.port, terminalRequest('POST', `/iclock/devicecmd?SN=${SN}`, result));
    t.equal(d.body, 'OK');
  }
  t.equal(server.commands.results(SN).length, 1, 'a re-posted result is recorded once');
  t.match(server.commands.results(SN)[0], { id, result: { returnCode: 0, cmd: 'DATA' } });
  t.same(
    server.commands.pending(SN).map((c) => c.command.kind),
    ['REBOOT'],
  );
});

t.test('OPERLOG user rows give names; other endpoints answer without an empty body', async (t) => {
  const { server } = await setup(t);
  const body =
    'USER PIN=1043\tName=Asha K.\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=\nOPLOG 4\t0\t2024-05-06 08:00:00\t0\t0\t0\t0\n';
  const r = await rawRequest(
    server.port,
    terminalRequest('POST', `/iclock/cdata?SN=${SN}&table=OPERLOG&Stamp=9999`, body),
  );
  t.equal(r.body, 'OK: 2');
  t.equal(server.device(SN)?.users.get('1043'), 'Asha K.');
  const ping = await rawRequest(server.port, terminalRequest('GET', `/iclock/ping.aspx?SN=${SN}`));
  t.equal(ping.body, 'OK', '.aspx suffix accepted');
  const reg = await rawRequest(
    server.port,
    terminalRequest('POST', `/iclock/registry?SN=${SN}`, 'DeviceType=acc'),
  );
  t.match(reg.body, /^RegistryCode=/);
  const time = await rawRequest(server.port, terminalRequest('GET', `/iclock/rtdata?SN=${SN}&type=time`));
  t.match(time.body, /^DateTime=\d+,ServerTZ=\+0530$/);
});
