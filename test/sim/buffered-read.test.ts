import t from 'tap';
import {
  type AttlogRecord,
  type AttlogRecordSize,
  Command,
  Dataset,
  decodeAttlogRecords,
  decodeBufferSize,
  decodePrepareData,
  decodeUserRecords,
  encodePrepareBuffer,
  encodeReadBuffer,
  TCP_CHUNK_SIZE,
} from '../../protocol/zk/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';
import { bulkRead, RawClient } from './raw-client.js';

/** The fields each layout carries (zk-tcp §11): 16-byte records have no uid, 8-byte ones no user id. */
function carried(r: AttlogRecord, size: AttlogRecordSize) {
  const common = { verify: r.verify, punch: r.punch, deviceTime: r.deviceTime };
  if (size === 40) return { ...common, uid: r.uid, userId: r.userId };
  if (size === 16) return { ...common, userId: r.userId, workcode: r.workcode };
  return { ...common, uid: r.uid };
}

for (const size of [40, 16, 8] as const) {
  t.test(`2000 punches in ${size}-byte records read back equal to the generated log`, async (t) => {
    const sim = await startSimulator({
      records: 2000,
      users: 50,
      seed: 7,
      recordSize: size,
      logger: silentLogger(),
    });
    t.teardown(() => sim.stop());
    const c = await RawClient.connect(sim.port, t);
    await c.connectSession();
    const read = await bulkRead(c, Dataset.attendance);
    t.match(read.first, { command: Command.ACK_OK, replyId: read.replyId, session: c.session });
    t.equal(read.first.data.length, 13, 'size answer: 00, size, size, unknown (zk-tcp.md §9.2)');
    const { size: announced, sizeAgain } = decodeBufferSize(read.first.data);
    t.equal(announced, 4 + 2000 * size);
    t.equal(sizeAgain, announced);
    t.equal(read.chunks.length, Math.ceil(announced / TCP_CHUNK_SIZE));
    t.equal(read.dataset.readUInt32LE(0), 2000 * size, 'dataset starts with the record byte count');
    const decoded = decodeAttlogRecords(read.dataset.subarray(4), 2000, size);
    t.same(decoded.rejected, []);
    t.same(
      decoded.records.map((r) => carried(r, size)),
      sim.device.records.map((r) => carried(r, size)),
    );
  });
}

t.test('5000 × 40 bytes come in four 0xFFC0 chunks of 1008-byte DATA frames counted 0, 1, 2…', async (t) => {
  const sim = await startSimulator({
    records: 5000,
    users: 60,
    maxDataPayload: 1008,
    logger: silentLogger(),
  });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const read = await bulkRead(c, Dataset.attendance);
  t.equal(read.dataset.length, 4 + 5000 * 40);
  t.equal(read.chunks.length, 4);
  for (const [i, chunk] of read.chunks.entries()) {
    const length = Math.min(TCP_CHUNK_SIZE, read.dataset.length - i * TCP_CHUNK_SIZE);
    t.match(chunk.prepare, { command: Command.PREPARE_DATA, replyId: chunk.replyId, session: c.session });
    t.same(decodePrepareData(chunk.prepare.data), { length, packetSize: 1008 });
    t.same(
      chunk.data.map((p) => [p.command, p.replyId, p.session]),
      chunk.data.map((_, n) => [Command.DATA, chunk.replyId, n]),
      `chunk ${i}: DATA session field is the packet counter (zk-tcp.md §9.4)`,
    );
    t.ok(chunk.data.every((p) => p.data.length <= 1008));
    t.equal(chunk.data.length, Math.ceil(length / 1008));
    t.match(chunk.ack, { command: Command.ACK_OK, replyId: chunk.replyId, data: Buffer.alloc(0) });
  }
  const decoded = decodeAttlogRecords(read.dataset.subarray(4), 5000, 40);
  t.same(
    decoded.records.map((r) => carried(r, 40)),
    sim.device.records.map((r) => carried(r, 40)),
  );
});

t.test('with the default 65528-byte payload a 0xFFC0 chunk is one DATA frame', async (t) => {
  const sim = await startSimulator({ records: 5000, users: 60, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const read = await bulkRead(c, Dataset.attendance);
  t.same(
    read.chunks.map((ch) => [decodePrepareData(ch.prepare.data).packetSize, ch.data.length]),
    [
      [65528, 1],
      [65528, 1],
      [65528, 1],
      [65528, 1],
    ],
  );
  t.equal(decodeAttlogRecords(read.dataset.subarray(4), 5000, 40).records.length, 5000);
});

t.test('tiny datasets come inline as one CMD_DATA with the session id (zk-tcp.md §9.2)', async (t) => {
  const sim = await startSimulator({ records: 3, users: 5, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const att = await bulkRead(c, Dataset.attendance);
  t.match(att.first, { command: Command.DATA, replyId: att.replyId, session: c.session });
  t.equal(att.dataset.length, 4 + 3 * 40);
  t.same(
    decodeAttlogRecords(att.dataset.subarray(4), 3, 40).records.map((r) => carried(r, 40)),
    sim.device.records.map((r) => carried(r, 40)),
  );
  const users = await bulkRead(c, Dataset.users);
  t.match(users.first, { command: Command.DATA });
  t.same(decodeUserRecords(users.dataset.subarray(4)), sim.device.users);
});

t.test('users: 72-byte records read back equal to the generated users', async (t) => {
  const sim = await startSimulator({ records: 10, users: 50, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const read = await bulkRead(c, Dataset.users);
  t.match(read.first, { command: Command.ACK_OK });
  t.equal(read.dataset.readUInt32LE(0), 50 * 72);
  const users = decodeUserRecords(read.dataset.subarray(4));
  t.same(users, sim.device.users);
  t.same(
    users.map((u) => u.userId),
    Array.from({ length: 50 }, (_, i) => String(1001 + i)),
  );
});

t.test('1504 without a prepared dataset, past its end, or after FREE_DATA gets ACK_ERROR', async (t) => {
  const sim = await startSimulator({ records: 100, users: 5, logger: silentLogger() });
  t.teardown(() => sim.stop());
  const c = await RawClient.connect(sim.port, t);
  await c.connectSession();
  const chunk = encodeReadBuffer({ offset: 0, length: 100 });
  t.match(await c.request(Command.READ_BUFFER, chunk), { command: Command.ACK_ERROR });
  const first = await c.request(Command.PREPARE_BUFFER, encodePrepareBuffer(Dataset.attendance));
  const { size } = decodeBufferSize(first.data);
  t.match(await c.request(Command.READ_BUFFER, encodeReadBuffer({ offset: size - 10, length: 11 })), {
    command: Command.ACK_ERROR,
  });
  t.match(await c.request(Command.READ_BUFFER, chunk), { command: Command.PREPARE_DATA });
  t.match(await c.next(), { command: Command.DATA });
  t.match(await c.next(), { command: Command.ACK_OK });
  t.match(await c.request(Command.FREE_DATA), { command: Command.ACK_OK });
  t.match(await c.request(Command.READ_BUFFER, chunk), { command: Command.ACK_ERROR });
  const templates = { command: 7, fct: 2, ext: 0 };
  t.match(await c.request(Command.PREPARE_BUFFER, encodePrepareBuffer(templates)), {
    command: Command.ACK_ERROR,
  });
});
