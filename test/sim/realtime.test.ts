/** The simulator's realtime events, rate, layouts and fault switches, seen by a raw client. */
import t from 'tap';
import { Command } from '../../protocol/zk/commands.js';
import { decodeRealtimeAttlog, EventFlag, encodeEventMask } from '../../protocol/zk/realtime-event.js';
import { startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';
import { RawClient } from './raw-client.js';

t.test('--realtime-rate: punches join the log and reach registered clients as events', async (t) => {
  const sim = await startSimulator({ records: 0, users: 5, realtimeRate: 50, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  t.equal((await c.request(Command.REG_EVENT, encodeEventMask(EventFlag.ATTLOG))).command, Command.ACK_OK);
  const events = [];
  while (events.length < 3) {
    const p = await c.next();
    if (p.command !== Command.REG_EVENT) continue;
    t.equal(p.session, EventFlag.ATTLOG, 'event code in the session field');
    t.equal(p.replyId, 0);
    events.push(decodeRealtimeAttlog(p.data));
    c.send(Command.ACK_OK, undefined, 0);
  }
  t.ok(sim.device.records.length >= 3, 'the log grew');
  // punches made before REG_EVENT are in the log only; every event must be one of the log's records
  const log = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`));
  t.ok(
    events.every((e) => log.has(`${e.userId}|${e.deviceTime}|${e.punch}`)),
    'each event is a punch in the log',
  );
});

for (const eventLength of [10, 12, 14, 36, 37, 52] as const) {
  t.test(`${eventLength}-byte EF_ATTLOG payloads`, async (t) => {
    const sim = await startSimulator({ records: 0, users: 3, eventLength, logger: silentLogger() });
    t.teardown(() => sim.stop());
    const c = await RawClient.connect(sim.port, t);
    await c.connectSession();
    await c.request(Command.REG_EVENT, encodeEventMask(EventFlag.ATTLOG));
    const u = sim.device.users[1]!;
    sim.device.addPunch({
      uid: u.uid,
      userId: u.userId,
      verify: 2,
      punch: 3,
      deviceTime: '2026-01-02T03:04:05',
      workcode: 0,
    });
    const p = await c.next();
    t.equal(p.data.length, eventLength);
    t.match(decodeRealtimeAttlog(p.data), {
      userId: u.userId,
      verify: 2,
      punch: 3,
      deviceTime: '2026-01-02T03:04:05',
    });
  });
}

t.test('no events without REG_EVENT', async (t) => {
  const sim = await startSimulator({ records: 0, users: 3, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const u = sim.device.users[0]!;
  sim.device.addPunch({
    uid: u.uid,
    userId: u.userId,
    verify: 1,
    punch: 0,
    deviceTime: '2026-01-02T03:04:05',
    workcode: 0,
  });
  t.ok(await c.quiet(200));
});

t.test('fault switches: corrupt frame, ignored command, cut after N bytes', async (t) => {
  const sim = await startSimulator({ records: 0, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  sim.device.faults.corruptCommand = Command.GET_TIME;
  c.send(Command.GET_TIME);
  t.ok(await c.quiet(200), 'no valid frame');
  t.match(c.frameErrors, [{ reason: 'checksum' }]);
  delete sim.device.faults.corruptCommand;
  sim.device.faults.ignoreCommands = [Command.GET_FREE_SIZES];
  c.send(Command.GET_FREE_SIZES);
  t.ok(await c.quiet(200), 'ignored');
  t.equal((await c.request(Command.GET_TIME)).command, Command.ACK_OK, 'other commands still answered');
  sim.device.faults.dropAfterBytes = 10;
  c.send(Command.GET_TIME);
  await c.closed;
  t.equal(sim.device.faults.dropAfterBytes, undefined, 'one-shot');
});
