import { once } from 'node:events';
import t from 'tap';
import { Command } from '../../protocol/zk/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';
import { RawClient } from './raw-client.js';

const sim = await startSimulator({ users: 3, records: 10, logger: silentLogger() });
t.teardown(() => sim.stop());

t.test('CONNECT as pyzk sends it (vectors.md §2) gets ACK_OK, a session id and reply id 0', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  c.write(Buffer.from('5050827d08000000e80317fc00000000', 'hex'));
  const a = await c.next();
  t.match(a, { command: Command.ACK_OK, replyId: 0 });
  t.not(a.session, 0);
  t.equal(a.data.length, 0);
  t.same(c.frameErrors, [], 'the answer checksum verifies');
});

t.test('session ids count up per connection; a second CONNECT on one socket keeps its id', async (t) => {
  const first = await RawClient.connect(sim.port, t);
  const a = await first.connectSession();
  const second = await RawClient.connect(sim.port, t);
  const b = await second.connectSession();
  t.equal(b.session, a.session + 1);
  const again = await first.request(Command.CONNECT);
  t.equal(again.session, a.session);
});

t.test('every answer echoes the reply id, including 65534 and the wrap to 0', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  for (const replyId of [1, 2, 777, 65534, 0]) {
    c.send(Command.REFRESHDATA, undefined, replyId);
    t.match(await c.next(), { command: Command.ACK_OK, replyId, session: c.session });
  }
});

t.test('device switches and no-op commands answer ACK_OK', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  t.match(await c.request(Command.DISABLEDEVICE, Buffer.alloc(4)), { command: Command.ACK_OK });
  t.equal(sim.device.enabled, false, 'DISABLEDEVICE disables');
  t.match(await c.request(Command.ENABLEDEVICE), { command: Command.ACK_OK });
  t.equal(sim.device.enabled, true);
  t.match(await c.request(Command.AUTH, Buffer.from('614d323c', 'hex')), { command: Command.ACK_OK });
  t.match(await c.request(Command.REG_EVENT, Buffer.from([1, 0, 0, 0])), { command: Command.ACK_OK });
  t.match(await c.request(Command.REFRESHDATA), { command: Command.ACK_OK });
});

t.test('unknown commands get ACK_UNKNOWN, malformed data ACK_ERROR_DATA; the session goes on', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const testVoice = 1017;
  const unknown = c.send(testVoice, Buffer.from([0, 0, 0, 0]));
  t.match(await c.next(), { command: Command.ACK_UNKNOWN, replyId: unknown, session: c.session });
  t.match(await c.request(9999), { command: Command.ACK_UNKNOWN });
  t.match(await c.request(Command.REG_EVENT), { command: Command.ACK_ERROR_DATA }, 'mask missing');
  t.match(await c.request(Command.GET_TIME), { command: Command.ACK_OK });
});

t.test('EXIT answers ACK_OK with the reply id, then the simulator closes the connection', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const ended = once(c.socket, 'end');
  const replyId = c.send(Command.EXIT);
  t.match(await c.next(), { command: Command.ACK_OK, replyId });
  await ended;
  t.pass('the simulator ended the connection');
});
