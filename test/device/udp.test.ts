/** The UDP variant (zk-tcp §14) end to end: pull, comm key, realtime, against the simulator's UDP side. */
import { pino } from 'pino';
import t from 'tap';
import { Command } from '../../protocol/zk/commands.js';
import { UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { pullDevice, readUsers, runRealtimeSession } from '../../src/device/index.js';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { startSimulator } from '../../src/sim/index.js';
import { until } from '../helpers/until.js';
import { hex, packet } from '../helpers/zk-bytes.js';

const logger = pino({ level: 'silent' });

t.test('datagrams (vectors.md §2, §3): no envelope, checksum checked, short ones typed', async (t) => {
  const d = new UdpDeframer('old-1');
  const [r] = d.push(hex('e8 03 17 fc 00 00 00 00'));
  t.match(r, { packet: { command: Command.CONNECT, session: 0, replyId: 0 }, offset: 0 });
  const [auth] = d.push(hex('4e 04 1a 7b 3d 7d 01 00 26 7f 32 84'));
  t.match(auth, { packet: { command: Command.AUTH, session: 0x7d3d, replyId: 1 }, offset: 8 });
  const bad = packet({ command: Command.ACK_OK, session: 1, replyId: 2, checksum: 0 });
  t.match(d.push(bad), [{ error: { code: 'X05_FRAME', reason: 'checksum', device: 'old-1', offset: 22 } }]);
  t.match(d.push(hex('d0 07 00')), [{ error: { reason: 'short' } }]);
});

t.test('pull over UDP with a comm key: 16 KiB chunks of 1024-byte datagrams, every punch', async (t) => {
  const sim = await startSimulator({ records: 3000, udp: true, commKey: 31337, serial: 'UDP-1', logger });
  t.teardown(() => sim.stop());
  const progress: number[] = [];
  const r = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 5000,
    transport: 'udp',
    commKey: 31337,
    onProgress: (p) => progress.push(p.received),
  });
  t.equal(r.serial, 'UDP-1');
  t.equal(r.events.length, 3000);
  t.same(
    r.events.map((e) => `${e.user_id}|${e.device_time}`),
    sim.device.records.map((x) => `${x.userId}|${x.deviceTime}`),
  );
  t.ok(progress.length >= 7, `120,004 bytes in 16 KiB chunks (${progress.length})`);
  const users = await readUsers({
    host: sim.host,
    port: sim.port,
    timeoutMs: 5000,
    transport: 'udp',
    commKey: 31337,
  });
  t.equal(users.users.length, sim.device.users.length);
});

t.test('realtime over UDP: events as datagrams, each acknowledged', async (t) => {
  const sim = await startSimulator({ records: 5, udp: true, eventLength: 10, logger });
  t.teardown(() => sim.stop());
  const punches: PunchEvent[] = [];
  let synced = 0;
  const abort = new AbortController();
  const done = runRealtimeSession({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 3000,
    heartbeatMs: 60_000,
    transport: 'udp',
    signal: abort.signal,
    onPunches: async (events) => {
      punches.push(...events);
    },
    onSynced: async () => {
      synced++;
    },
  });
  await until('catch-up read', () => synced === 1, 20_000);
  const u = sim.device.users[0]!;
  sim.device.addPunch({
    uid: u.uid,
    userId: u.userId,
    verify: 1,
    punch: 1,
    deviceTime: '2026-12-01T08:00:00',
    workcode: 0,
  });
  await until('event', () => punches.length === 1, 20_000);
  t.match(punches[0], { user_id: u.userId, source: 'realtime', device_time: '2026-12-01T08:00:00' });
  await until('ACK', () => sim.device.eventAcks === 1, 20_000);
  abort.abort();
  await done;
});

t.test('a UDP terminal that is not there: a timeout, not a hang', async (t) => {
  const sim = await startSimulator({ records: 1, logger }); // TCP only
  t.teardown(() => sim.stop());
  await t.rejects(
    pullDevice({
      host: sim.host,
      port: sim.port,
      site: 'hq',
      timezone: 'UTC',
      timeoutMs: 300,
      transport: 'udp',
    }),
    { code: /X05_TIMEOUT|X05_CLOSED/, command: Command.CONNECT },
  );
});

t.test(
  'UDP with every 40th datagram lost: the lost chunk is asked for again, every punch once',
  async (t) => {
    const sim = await startSimulator({
      records: 3000,
      udp: true,
      serial: 'UDP-LOSSY',
      faults: { dropEveryNthDatagram: 40 },
      logger,
    });
    t.teardown(() => sim.stop());
    let resent = 0;
    const r = await pullDevice({
      host: sim.host,
      port: sim.port,
      site: 'hq',
      timezone: 'UTC',
      // a lost final ACK_OK costs one timeout before the chunk is asked for again
      timeoutMs: 300,
      transport: 'udp',
      onProgress: (p) => {
        resent = p.resent;
      },
    });
    t.ok(sim.device.droppedDatagrams >= 3, `datagrams lost on the way (${sim.device.droppedDatagrams})`);
    t.ok(resent >= 1, `requests sent again (${resent})`);
    t.same(
      r.events.map((e) => `${e.user_id}|${e.device_time}|${e.punch}`),
      sim.device.records.map((x) => `${x.userId}|${x.deviceTime}|${x.punch}`),
      'the whole log, in order, no record missing or doubled',
    );
    t.equal(new Set(r.events.map((e) => e.id)).size, r.events.length);
  },
);

t.test(
  'UDP losing every other datagram: bounded retries, then a typed error, never a partial log',
  async (t) => {
    const sim = await startSimulator({ records: 3000, udp: true, logger });
    t.teardown(() => sim.stop());
    const opts = {
      host: sim.host,
      port: sim.port,
      site: 'hq',
      timezone: 'UTC',
      timeoutMs: 200,
      transport: 'udp' as const,
    };
    // connect and identify cleanly (the cursor is asked for right after the serial), then lose half of
    // what the terminal sends: no chunk can arrive whole in any of its attempts
    const r = pullDevice({
      ...opts,
      since: async () => {
        sim.device.faults.dropEveryNthDatagram = 2;
        return undefined;
      },
    });
    const started = Date.now();
    await t.rejects(r, { code: /X05_TIMEOUT|X05_SESSION/, device: sim.device.serial });
    t.ok(sim.device.droppedDatagrams > 0, 'datagrams were lost');
    t.ok(Date.now() - started < 20_000, 'gave up after a bounded number of attempts');
  },
);
