import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { punchEventId } from '../../src/event/index.js';
import { startPushServer } from '../../src/push/index.js';
import { startPushTerminal } from '../../src/sim/push-terminal.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: 'silent' });
const SN = 'PUSHSIM0001';

async function receiver(t: Test) {
  const store = await PunchStore.open(join(tempDir(t), 'store'));
  const server = await startPushServer({
    site: 'hq',
    devices: [{ serial: SN, timezone: 'Europe/Berlin' }],
    sink: store,
    logger,
  });
  t.teardown(async () => {
    await server.stop();
    await store.close();
  });
  const ids = async () => {
    const out: string[] = [];
    for await (const e of store.rawLog()) out.push(e.id);
    return out;
  };
  return { store, server, ids };
}

const terminalOpts = {
  serial: SN,
  seed: 5,
  users: 30,
  records: 1000,
  untilDate: '2024-05-10',
  pollMs: 50,
  retryMs: 50,
  logger,
};

t.test('handshake, the whole log in batches, names on OPERLOG, then polling', async (t) => {
  const { server, ids } = await receiver(t);
  const term = await startPushTerminal({ ...terminalOpts, url: server.url });
  t.teardown(() => term.stop());
  await term.whenIdle();
  const want = term.records.map((r) => punchEventId(SN, r.userId, r.deviceTime, r.punch));
  t.same(await ids(), want, 'every punch once, in device order, with the TCP id rule');
  t.equal(term.stats.acked, Math.ceil(1000 / 128));
  t.equal(term.stats.resent, 0);
  t.equal(term.stats.handshakes, 1);
  t.ok(term.timeZoneMin === 60 || term.timeZoneMin === 120, `Berlin is +1 or +2 h (${term.timeZoneMin})`);
  await until('user names', () => (server.device(SN)?.users.size ?? 0) === 30);
  t.equal(server.device(SN)?.users.get('1001'), term.users[0]?.name);
  await until('polls', () => term.stats.polls >= 2);
});

t.test('a 500 after the batch was stored: the terminal sends it again, nothing is doubled', async (t) => {
  const { server, ids, store } = await receiver(t);
  // between terminal and receiver: the first two ATTLOG posts reach the store, the terminal sees 500
  let failures = 2;
  const proxy = createServer((req, res) => {
    const fwd = request(
      new URL(req.url ?? '/', server.url),
      { method: req.method, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const failThis = /table=ATTLOG/.test(req.url ?? '') && failures-- > 0;
          res.writeHead(failThis ? 500 : (up.statusCode ?? 502), { 'Content-Type': 'text/plain' });
          res.end(failThis ? 'Internal Server Error' : Buffer.concat(chunks));
        });
      },
    );
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const term = await startPushTerminal({ ...terminalOpts, records: 300, url });
  t.teardown(() => term.stop());
  await term.whenIdle();
  t.equal(term.stats.resent, 2, 'the batch went twice more');
  t.equal(term.stats.acked, 3, '300 lines in 3 batches');
  const got = await ids();
  t.equal(got.length, 300);
  t.equal(new Set(got).size, 300, 'no duplicate stored');
  t.equal(store.outboxDepth, 300, 'queued once for MQTT');
  t.equal(server.counters.duplicates, 256, 'the two re-sent batches of 128 were recognised');
});

t.test(
  'commands: a time-range re-query stores nothing new, REBOOT re-handshakes, results recorded',
  async (t) => {
    const { server, ids } = await receiver(t);
    const term = await startPushTerminal({ ...terminalOpts, records: 200, url: server.url });
    t.teardown(() => term.stop());
    await term.whenIdle();
    const before = server.counters.duplicates;
    const first = term.records[0]!.deviceTime.slice(0, 10);
    const id = server.commands.enqueue(SN, {
      kind: 'DATA QUERY ATTLOG',
      start: `${first} 00:00:00`,
      end: `${first} 23:59:59`,
    });
    await until('the DATA result', () => server.commands.results(SN).some((r) => r.id === id));
    const sameDay = term.records.filter((r) => r.deviceTime.startsWith(first)).length;
    t.ok(sameDay > 0);
    t.equal(server.counters.duplicates - before, sameDay, 'the day came again, all duplicates');
    t.match(server.commands.results(SN).at(-1), { id, result: { returnCode: 0, cmd: 'DATA' } });
    const reboot = server.commands.enqueue(SN, { kind: 'REBOOT' });
    await until('the REBOOT result', () => server.commands.results(SN).some((r) => r.id === reboot));
    await until('a second handshake', () => term.stats.handshakes === 2);
    await term.whenIdle();
    t.equal((await ids()).length, 200, 'the echoed stamp or dedup: still 200');
    const unknown = server.commands.enqueue(SN, { kind: 'INFO' });
    await until('the INFO result', () => server.commands.results(SN).some((r) => r.id === unknown));
    t.match(server.commands.results(SN).at(-1)?.result.content, [`~SerialNumber=${SN}`]);
  },
);
