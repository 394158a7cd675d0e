/**
 * Realtime sessions (zk-tcp §12): events ACKed one by one, events between and coalesced with replies,
 * the catch-up read on the same connection, and the idle probe that finds a dead link.
 */
import type { Socket } from 'node:net';
import { pino } from 'pino';
import t from 'tap';
import { encodeAttlogDataset } from '../../protocol/zk/attlog-dataset.js';
import { encodeBufferSize, encodePrepareData } from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodeFreeSizes } from '../../protocol/zk/free-sizes.js';
import { encodeOptionAnswer } from '../../protocol/zk/options.js';
import { type PullResult, runRealtimeSession } from '../../src/device/index.js';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { startSimulator } from '../../src/sim/index.js';
import { scriptedDevice } from '../helpers/scripted-device.js';
import { until } from '../helpers/until.js';
import { bytes, chars, frame, hex, u8 } from '../helpers/zk-bytes.js';

const logger = pino({ level: 'silent' });

function session(port: number, extra: { heartbeatMs?: number; timeoutMs?: number; commKey?: number } = {}) {
  const punches: PunchEvent[] = [];
  const synced: PullResult[] = [];
  const rejected: unknown[] = [];
  const abort = new AbortController();
  const done = runRealtimeSession({
    host: '127.0.0.1',
    port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: extra.timeoutMs ?? 3000,
    heartbeatMs: extra.heartbeatMs ?? 60_000,
    label: 'lobby',
    ...(extra.commKey ? { commKey: extra.commKey } : {}),
    signal: abort.signal,
    onPunches: async (events) => {
      punches.push(...events);
    },
    onRejected: (e) => rejected.push(e),
    onSynced: async (r) => {
      synced.push(r);
    },
  });
  return { punches, synced, rejected, abort, done };
}

t.test('simulator: catch-up read, then each new punch as a realtime event, each acknowledged', async (t) => {
  const sim = await startSimulator({ records: 40, serial: 'RT-1', commKey: 4321, logger });
  t.teardown(() => sim.stop());
  const s = session(sim.port, { commKey: 4321 });
  await until('catch-up read', () => s.synced.length === 1, 20_000);
  t.equal(s.synced[0]!.events.length, 40, 'the log read on the realtime connection');
  const user = sim.device.users[3]!;
  sim.device.addPunch({
    uid: user.uid,
    userId: user.userId,
    verify: 15,
    punch: 255,
    deviceTime: '2026-12-01T07:30:00',
    workcode: 0,
  });
  await until('event', () => s.punches.length === 1, 20_000);
  t.match(s.punches[0], {
    device_id: 'RT-1',
    user_id: user.userId,
    device_time: '2026-12-01T07:30:00',
    punch: 255,
    verify: 15,
    source: 'realtime',
  });
  await until('ACK', () => sim.device.eventAcks === 1, 20_000);
  s.abort.abort();
  await s.done;
});

const records = Array.from({ length: 30 }, (_, i) => ({
  uid: i + 1,
  userId: String(2000 + i),
  verify: 1,
  punch: 0,
  deviceTime: `2024-03-15T09:${String(i).padStart(2, '0')}:00`,
  workcode: 0,
}));
const dataset = encodeAttlogDataset(records, 40);
const time6 = hex('18 03 0f 08 1e 2d');
const event = (userId: string) =>
  frame({
    command: Command.REG_EVENT,
    session: 1,
    replyId: 0,
    data: bytes(chars(userId, 24), u8(1), u8(0), time6),
  });

/**
 * A terminal that sends events at the worst moments: one glued in front of the serial answer, two inside a
 * chunk answer (between PREPARE_DATA and DATA, and glued to the ACK_OK), and one alone after registration.
 */
function eventfulTerminal(acks: number[]) {
  return (p: { command: number; replyId: number; session: number }, s: Socket) => {
    const a = (command: number, data?: Uint8Array) =>
      frame({ command, session: 0x55, replyId: p.replyId, ...(data ? { data } : {}) });
    switch (p.command) {
      case Command.CONNECT:
        s.write(a(Command.ACK_OK));
        break;
      case Command.ACK_OK:
        acks.push(p.replyId);
        break;
      case Command.OPTIONS_RRQ:
        s.write(Buffer.concat([a(Command.ACK_OK, encodeOptionAnswer('~SerialNumber', 'EVT-9'))]));
        break;
      case Command.REG_EVENT:
        s.write(Buffer.concat([a(Command.ACK_OK), event('7001')]));
        break;
      case Command.GET_FREE_SIZES:
        s.write(Buffer.concat([event('7002'), a(Command.ACK_OK, encodeFreeSizes({ records: 30 }))]));
        break;
      case Command.PREPARE_BUFFER:
        s.write(a(Command.ACK_OK, encodeBufferSize(dataset.length)));
        break;
      case Command.READ_BUFFER: {
        const wire = Buffer.concat([
          a(Command.PREPARE_DATA, encodePrepareData({ length: dataset.length, packetSize: 65528 })),
          event('7003'),
          a(Command.DATA, dataset),
          a(Command.ACK_OK),
          event('7004'),
        ]);
        // split at odd places so frames also span reads
        s.write(wire.subarray(0, 21));
        s.write(wire.subarray(21, 77));
        s.write(wire.subarray(77));
        break;
      }
      default:
        s.write(a(Command.ACK_OK, p.command === Command.GET_TIME ? hex('b5 f9 5e 2e') : undefined));
    }
  };
}

t.test('events in the middle of exchanges and coalesced with replies: all decoded, each ACKed', async (t) => {
  const acks: number[] = [];
  const port = await scriptedDevice(t, eventfulTerminal(acks));
  const s = session(port);
  await until('catch-up read', () => s.synced.length === 1, 20_000);
  await until('four events', () => s.punches.length === 4, 20_000);
  t.same(
    s.punches.map((e) => e.user_id),
    ['7001', '7002', '7003', '7004'],
    'every event, in arrival order',
  );
  t.equal(s.synced[0]!.events.length, 30, 'the read around them is whole');
  t.same(
    s.synced[0]!.events.map((e) => e.user_id),
    records.map((r) => r.userId),
  );
  await until('four ACKs', () => acks.length === 4, 20_000);
  t.same(acks, [0, 0, 0, 0], 'one ACK_OK per event, reply id 0');
  s.abort.abort();
  await s.done;
});

t.test('the idle probe finds a half-open link: GET_TIME unanswered ends the session', async (t) => {
  const sim = await startSimulator({ records: 5, logger });
  t.teardown(() => sim.stop());
  const s = session(sim.port, { heartbeatMs: 100, timeoutMs: 400 });
  await until('catch-up read', () => s.synced.length === 1, 20_000);
  // the terminal stays connected but answers nothing more: TCP alone would never notice
  sim.device.faults.ignoreCommands = [Command.GET_TIME];
  await t.rejects(s.done, { code: 'X05_TIMEOUT', command: Command.GET_TIME, device: sim.device.serial });
});

t.test('an event dated 30 February is kept as written; the session goes on', async (t) => {
  const sim = await startSimulator({ records: 0, logger });
  t.teardown(() => sim.stop());
  const s = session(sim.port);
  await until('catch-up read', () => s.synced.length === 1, 20_000);
  const base = { uid: 1, userId: '1001', verify: 1, punch: 0, workcode: 0 };
  sim.device.addPunch({ ...base, deviceTime: '2024-02-30T08:00:00' });
  sim.device.addPunch({ ...base, deviceTime: '2024-02-29T08:00:00' });
  await until('both events', () => s.punches.length === 2, 20_000);
  t.same(s.rejected, []);
  t.same(
    s.punches.map((p) => p.device_time),
    ['2024-02-30T08:00:00', '2024-02-29T08:00:00'],
    'the impossible one as the terminal sent it: the forwarder parks it',
  );
  await until('both ACKed', () => sim.device.eventAcks === 2, 20_000);
  s.abort.abort();
  await s.done;
});
