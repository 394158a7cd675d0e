import type { Socket } from 'node:net';
import t from 'tap';
import { encodeAttlogDataset } from '../../protocol/zk/attlog-dataset.js';
import { encodeBufferSize, encodePrepareData } from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodeFreeSizes } from '../../protocol/zk/free-sizes.js';
import { encodeOptionAnswer } from '../../protocol/zk/options.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { encodeClockData, parseWallTime } from '../../protocol/zk/time.js';
import { pullDevice } from '../../src/device/index.js';
import { syncDevice } from '../../src/device/pull.js';
import type { PunchBatch } from '../../src/device/punch-batches.js';
import { freePort } from '../helpers/free-port.js';
import { acceptConnect, scriptedDevice } from '../helpers/scripted-device.js';

type Answer = (cmd: number, data?: Uint8Array) => Buffer;

const pull = (port: number, timeoutMs = 2000) =>
  pullDevice({ host: '127.0.0.1', port, site: 'hq', timezone: 'UTC', timeoutMs, label: 'front-door' });

const records = Array.from({ length: 50 }, (_, i) => ({
  uid: i + 1,
  userId: String(1000 + i),
  verify: 1,
  punch: i % 2,
  deviceTime: `2024-03-15T08:${String(i).padStart(2, '0')}:00`,
  workcode: 0,
}));
const dataset = encodeAttlogDataset(records, 40);

/** A terminal that behaves until the chunk read, then lets `onChunk` misbehave. */
function untilChunk(onChunk: (p: ZkPacket, s: Socket, a: Answer) => void) {
  return (p: ZkPacket, s: Socket, a: Answer) => {
    if (acceptConnect(p, s, a)) return;
    if (p.command === Command.OPTIONS_RRQ)
      s.write(a(Command.ACK_OK, encodeOptionAnswer('~SerialNumber', 'FAULTY-1')));
    else if (p.command === Command.GET_FREE_SIZES)
      s.write(a(Command.ACK_OK, encodeFreeSizes({ users: 5, records: 50 })));
    else if (p.command === Command.PREPARE_BUFFER)
      s.write(a(Command.ACK_OK, encodeBufferSize(dataset.length)));
    else if (p.command === Command.READ_BUFFER) onChunk(p, s, a);
    else if (p.command === Command.GET_TIME)
      s.write(a(Command.ACK_OK, encodeClockData(parseWallTime('2024-03-15T09:00:00')!)));
    else s.write(a(Command.ACK_OK));
  };
}

/** A sync that hands batches over while the log arrives (`pull`'s way), and the batches it handed over. */
async function syncWhileReading(port: number): Promise<{ result: Promise<unknown>; batches: PunchBatch[] }> {
  const batches: PunchBatch[] = [];
  const result = syncDevice(
    {
      host: '127.0.0.1',
      port,
      site: 'hq',
      timezone: 'UTC',
      timeoutMs: 2000,
      label: 'front-door',
      batchSlots: 10,
      batchesWhileReading: true,
    },
    async (batch) => {
      batches.push(batch);
    },
  );
  return { result, batches };
}

t.test('garbage instead of a frame: typed error naming device, command and offset', async (t) => {
  const port = await scriptedDevice(t, (_p, s) => s.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));
  await t.rejects(pull(port), {
    code: 'X05_SESSION',
    device: 'front-door',
    command: Command.CONNECT,
    offset: 0,
    cause: { code: 'X05_FRAME', reason: 'magic' },
  });
});

t.test('wrong checksum: the answer is refused, not trusted', async (t) => {
  const port = await scriptedDevice(t, (p, s, a) => {
    if (acceptConnect(p, s, a)) return;
    const bad = a(Command.ACK_OK, encodeOptionAnswer('~SerialNumber', 'X'));
    bad[10] = bad[10]! ^ 0xff;
    s.write(bad);
  });
  await t.rejects(pull(port), {
    code: 'X05_SESSION',
    command: Command.OPTIONS_RRQ,
    offset: 16 + 8 + 2,
    cause: { code: 'X05_FRAME', reason: 'checksum', command: Command.ACK_OK },
  });
});

t.test('a length field beyond 1 MiB is garbage, not an allocation', async (t) => {
  const port = await scriptedDevice(t, (p, s, a) => {
    if (acceptConnect(p, s, a)) return;
    const huge = a(Command.ACK_OK);
    huge.writeUInt32LE(64 * 1024 * 1024, 4);
    s.write(huge);
  });
  await t.rejects(pull(port), {
    code: 'X05_SESSION',
    command: Command.OPTIONS_RRQ,
    cause: { reason: 'length', offset: 16 },
  });
});

t.test('a frame cut short by the terminal closing', async (t) => {
  const port = await scriptedDevice(t, (p, s, a) => {
    if (acceptConnect(p, s, a)) return;
    s.end(a(Command.ACK_OK, encodeOptionAnswer('~SerialNumber', 'FAULTY-1')).subarray(0, 20));
  });
  await t.rejects(pull(port), {
    code: 'X05_CLOSED',
    command: Command.OPTIONS_RRQ,
    offset: 16,
    device: 'front-door',
  });
});

t.test('the terminal closes in the middle of a chunk: error, never a partial log', async (t) => {
  const port = await scriptedDevice(
    t,
    untilChunk((_p, s, a) => {
      s.write(a(Command.PREPARE_DATA, encodePrepareData({ length: dataset.length, packetSize: 1008 })));
      s.end(a(Command.DATA, dataset.subarray(0, 1000)));
    }),
  );
  await t.rejects(pull(port), { code: 'X05_CLOSED', device: 'FAULTY-1', command: Command.READ_BUFFER });
});

t.test('a chunk that ends short is an error, never a partial log', async (t) => {
  const port = await scriptedDevice(
    t,
    untilChunk((_p, s, a) => {
      s.write(a(Command.PREPARE_DATA, encodePrepareData({ length: dataset.length, packetSize: 1008 })));
      s.write(a(Command.DATA, dataset.subarray(0, 1000)));
      s.write(a(Command.ACK_OK));
    }),
  );
  await t.rejects(pull(port), {
    code: 'X05_SESSION',
    command: Command.READ_BUFFER,
    message: /1000 of 2004 bytes/,
  });
});

t.test(
  'while reading: a close mid-chunk or a short chunk fails the sync with no punch handed over',
  async (t) => {
    const closing = await scriptedDevice(
      t,
      untilChunk((_p, s, a) => {
        s.write(a(Command.PREPARE_DATA, encodePrepareData({ length: dataset.length, packetSize: 1008 })));
        s.end(a(Command.DATA, dataset.subarray(0, 1000)));
      }),
    );
    const closed = await syncWhileReading(closing);
    await t.rejects(closed.result, { code: 'X05_CLOSED', command: Command.READ_BUFFER });
    t.same(closed.batches, []);
    const short = await scriptedDevice(
      t,
      untilChunk((_p, s, a) => {
        s.write(a(Command.PREPARE_DATA, encodePrepareData({ length: dataset.length, packetSize: 1008 })));
        s.write(a(Command.DATA, dataset.subarray(0, 1000)));
        s.write(a(Command.ACK_OK));
      }),
    );
    const cut = await syncWhileReading(short);
    await t.rejects(cut.result, { code: 'X05_SESSION', message: /1000 of 2004 bytes/ });
    t.same(cut.batches, []);
  },
);

t.test(
  'a dataset whose length prefix disagrees with its announced size: refused before any punch',
  async (t) => {
    const lying = Buffer.from(dataset);
    lying.writeUInt32LE(999, 0);
    const port = await scriptedDevice(
      t,
      untilChunk((_p, s, a) => {
        s.write(a(Command.PREPARE_DATA, encodePrepareData({ length: lying.length, packetSize: 2004 })));
        s.write(a(Command.DATA, lying));
        s.write(a(Command.ACK_OK));
      }),
    );
    await t.rejects(pull(port), { code: 'X05_SESSION', message: /dataset says 999 record bytes/ });
    const whileReading = await syncWhileReading(port);
    await t.rejects(whileReading.result, { code: 'X05_SESSION', message: /dataset says 999 record bytes/ });
    t.same(whileReading.batches, [], 'no punch of it handed over');
  },
);

t.test('a refusal and a silence are typed too', async (t) => {
  const silent = await scriptedDevice(
    t,
    untilChunk(() => {}),
  );
  await t.rejects(pull(silent, 300), { code: 'X05_TIMEOUT', command: Command.READ_BUFFER, timeoutMs: 300 });
  const noBuffer = await scriptedDevice(t, (p, s, a) => {
    if (acceptConnect(p, s, a)) return;
    if (p.command === Command.PREPARE_BUFFER) s.write(a(Command.ACK_UNKNOWN));
    else if (p.command === Command.OPTIONS_RRQ)
      s.write(a(Command.ACK_OK, encodeOptionAnswer('~SerialNumber', 'OLD-1')));
    else s.write(a(Command.ACK_OK));
  });
  await t.rejects(pull(noBuffer), {
    code: 'X05_REFUSED',
    command: Command.PREPARE_BUFFER,
    reply: Command.ACK_UNKNOWN,
    device: 'OLD-1',
  });
});

t.test('nothing listening: a typed error, quickly', async (t) => {
  await t.rejects(pull(await freePort()), { code: 'X05_CLOSED', command: Command.CONNECT, offset: 0 });
});
