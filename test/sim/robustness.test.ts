import t from 'tap';
import {
  Command,
  Dataset,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpPacket,
} from '../../protocol/zk/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { capturingLogger } from '../helpers/loggers.js';
import { bulkRead, RawClient } from './raw-client.js';

const { logger, lines } = capturingLogger();
const sim = await startSimulator({ serial: 'ROBUST01', users: 20, records: 3000, logger });
t.teardown(() => sim.stop());

const warnings = () => lines.filter((l) => l.level === 40);

t.test('garbage before CONNECT is logged with device and session and skipped', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  const before = warnings().length;
  c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
  const answer = await c.connectSession();
  t.match(answer, { command: Command.ACK_OK });
  t.match(warnings().slice(before), [
    { device: 'ROBUST01', session: 0, err: { code: 'X05_FRAME', reason: 'magic', device: 'ROBUST01' } },
  ]);
});

t.test('a frame with a bad checksum gets no answer; the next one does', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const before = warnings().length;
  const bad = encodeTcpPacket(Command.GET_TIME, c.session, 5);
  bad[10] = (bad[10]! + 1) & 0xff;
  c.write(bad);
  t.ok(await c.quiet(), 'nothing answers the corrupted frame');
  t.match(warnings().slice(before), [{ session: c.session, err: { code: 'X05_FRAME', reason: 'checksum' } }]);
  t.match(await c.request(Command.GET_TIME), { command: Command.ACK_OK, replyId: c.replyId });
});

t.test('an absurd length field is skipped up to the next frame', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  const before = warnings().length;
  c.write(Buffer.from('5050827dffffffff0000', 'hex'));
  t.match(await c.connectSession(), { command: Command.ACK_OK });
  t.match(warnings().slice(before), [{ err: { reason: 'length' } }]);
});

t.test('a request sent one byte at a time is answered once', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  const frame = encodeTcpPacket(Command.CONNECT, 0, 9);
  for (const byte of frame) {
    c.write(Buffer.from([byte]));
    await new Promise((r) => setTimeout(r, 1));
  }
  t.match(await c.next(), { command: Command.ACK_OK, replyId: 9 });
  t.ok(await c.quiet(100));
});

t.test('two clients at once are both served', async (t) => {
  const a = await RawClient.connect(sim.port, t);
  const b = await RawClient.connect(sim.port, t);
  await a.connectSession();
  await b.connectSession();
  const [ra, rb] = await Promise.all([bulkRead(a, Dataset.attendance), bulkRead(b, Dataset.users)]);
  t.equal(ra.dataset.length, 4 + 3000 * 40);
  t.equal(rb.dataset.length, 4 + 20 * 72);
});

t.test('a client that vanishes mid-chunk or mid-frame does not take the simulator down', async (t) => {
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  await c.request(Command.PREPARE_BUFFER, encodePrepareBuffer(Dataset.attendance));
  c.send(Command.READ_BUFFER, encodeReadBuffer({ offset: 0, length: 0xffc0 }));
  c.socket.destroy();

  const half = await RawClient.connect(sim.port, t);
  const before = warnings().length;
  half.write(encodeTcpPacket(Command.CONNECT, 0, 1).subarray(0, 11));
  half.socket.end();
  await half.closed;
  await new Promise((r) => setTimeout(r, 50));
  t.match(warnings().slice(before), [{ err: { reason: 'truncated' } }], 'the cut frame is logged');

  const next = await RawClient.connect(sim.port, t);
  t.match(await next.connectSession(), { command: Command.ACK_OK });
});

t.test('stop() closes connected clients', async (t) => {
  const own = await startSimulator({ users: 1, records: 1, logger });
  const c = await RawClient.connect(own.port);
  await c.connectSession();
  await own.stop();
  await c.closed;
  t.ok(c.socket.destroyed);
  const refused = RawClient.connect(own.port);
  await t.rejects(refused, { code: 'ECONNREFUSED' });
});

t.test('none of this was logged as a simulator error', async (t) => {
  t.same(
    lines.filter((l) => (l.level as number) >= 50),
    [],
  );
});
