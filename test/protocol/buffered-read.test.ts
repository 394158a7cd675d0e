/**
 * Buffered bulk read (zk-tcp §9, vectors.md §7): 1503 / 1504 / FREE_DATA requests, the 13-byte size
 * answer, PREPARE_DATA; each case is a whole frame, checked through the framer, the data codec and encodeTcpPacket.
 */
import t, { type Test } from 'tap';
import {
  BUFFER_SIZE_ANSWER_LENGTH,
  chunkRequests,
  Dataset,
  decodeBufferSize,
  decodePrepareBuffer,
  decodePrepareData,
  decodeReadBuffer,
  encodeBufferSize,
  encodePrepareBuffer,
  encodePrepareData,
  encodeReadBuffer,
  TCP_CHUNK_SIZE,
} from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { hex } from '../helpers/zk-bytes.js';

function onePacket(t: Test, wire: Buffer): ZkPacket {
  const out = new TcpFramer('vec').push(wire);
  t.equal(out.length, 1, 'one frame');
  const r = out[0];
  if (!r || !('packet' in r)) throw new Error(`not a packet: ${JSON.stringify(r)}`);
  return r.packet;
}

interface Header {
  command: number;
  session: number;
  replyId: number;
}

interface DataCase<T> {
  name: string;
  wire: string;
  header: Header;
  value: T;
}

function expand<T>(
  title: string,
  cases: DataCase<T>[],
  decode: (data: Buffer) => T,
  encode: (value: T) => Buffer,
) {
  t.test(title, async (t) => {
    for (const c of cases) {
      t.test(c.name, async (t) => {
        const wire = hex(c.wire);
        const p = onePacket(t, wire);
        t.match(p, c.header, 'header');
        t.same(decode(p.data), c.value, 'decode');
        t.same(encode(c.value), p.data, 'encode data');
        t.same(
          encodeTcpPacket(c.header.command, c.header.session, c.header.replyId, encode(c.value)),
          wire,
          'encode frame',
        );
        t.same(decode(encode(c.value)), c.value, 'mirror');
      });
    }
  });
}

expand(
  '1503 requests (§7.1)',
  [
    {
      name: 'attendance, computed, sess 0x7D3D rep 6',
      wire: '50 50 82 7d 13 00 00 00  df 05 dc 6f 3d 7d 06 00  01 0d 00 00 00 00 00 00 00 00 00',
      header: { command: 1503, session: 0x7d3d, replyId: 6 },
      value: { command: 13, fct: 0, ext: 0 },
    },
    {
      name: 'users, computed, sess 0x7D3D rep 7',
      wire: '50 50 82 7d 13 00 00 00  df 05 db 6e 3d 7d 07 00  01 09 00 05 00 00 00 00 00 00 00',
      header: { command: 1503, session: 0x7d3d, replyId: 7 },
      value: { command: 9, fct: 5, ext: 0 },
    },
    {
      name: 'users, pyzk fixture, sess 0x45CF rep 0x14',
      wire: '5050827d13000000 df05 3ca6 cf45 1400 0109000500000000000000',
      header: { command: 1503, session: 0x45cf, replyId: 0x14 },
      value: { command: 9, fct: 5, ext: 0 },
    },
  ],
  decodePrepareBuffer,
  encodePrepareBuffer,
);

expand(
  '1504 chunk request (§7.1)',
  [
    {
      name: 'offset 0, length 0xFFC0, sess 0x7D3D rep 8',
      wire: '50 50 82 7d 10 00 00 00  e0 05 19 7d 3d 7d 08 00  00 00 00 00 c0 ff 00 00',
      header: { command: 1504, session: 0x7d3d, replyId: 8 },
      value: { offset: 0, length: 0xffc0 },
    },
  ],
  decodeReadBuffer,
  encodeReadBuffer,
);

expand(
  '1503 answer "size follows": ACK_OK + 13 bytes (§7.2, real)',
  [
    {
      name: 'pyzk PR #18 capture, users, 5044 bytes',
      wire: '50 50 82 7d 15 00 00 00  d0 07 a7 62 5c 3c 15 00  00 b4 13 00 00 b4 13 00 00 cd ef 23 00',
      header: { command: 2000, session: 0x3c5c, replyId: 21 },
      value: { size: 5044, sizeAgain: 5044, unknown: 0x0023efcd },
    },
    {
      name: 'pyzk fixture, 7572 bytes',
      wire: '5050827d15000000 d007 acf9 3064 1600 00 941d0000 941d0000 b400be00',
      header: { command: 2000, session: 0x6430, replyId: 22 },
      value: { size: 7572, sizeAgain: 7572, unknown: 0x00be00b4 },
    },
  ],
  decodeBufferSize,
  (v) => encodeBufferSize(v.size, v.unknown),
);

expand(
  'PREPARE_DATA (§7.3)',
  [
    {
      name: 'real pyzk PR #18: 5044 bytes, 1008',
      wire: '50 50 82 7d 10 00 00 00  dc 05 0d a6 5c 3c 16 00  b4 13 00 00 f0 03 00 00',
      header: { command: 1500, session: 0x3c5c, replyId: 22 },
      value: { length: 5044, packetSize: 1008 },
    },
    {
      name: 'real K40 (js_zklib #53): 124 bytes, 1008',
      wire: '50 50 82 7d 10 00 00 00  dc 05 15 8a a0 6b 02 00  7c 00 00 00 f0 03 00 00',
      header: { command: 1500, session: 0x6ba0, replyId: 2 },
      value: { length: 124, packetSize: 1008 },
    },
    {
      name: 'real node-zklib #19: 1364 bytes, 65528',
      wire: '50 50 82 7d 10 00 00 00  dc 05 1b aa b6 4a 05 00  54 05 00 00 f8 ff 00 00',
      header: { command: 1500, session: 0x4ab6, replyId: 5 },
      value: { length: 1364, packetSize: 65_528 },
    },
    {
      name: 'computed for the simulator: 0xFFC0, 0xFFF8, sess 0x7D3D rep 8',
      wire: '50 50 82 7d 10 00 00 00  dc 05 24 7d 3d 7d 08 00  c0 ff 00 00 f8 ff 00 00',
      header: { command: 1500, session: 0x7d3d, replyId: 8 },
      value: { length: 0xffc0, packetSize: 0xfff8 },
    },
  ],
  decodePrepareData,
  encodePrepareData,
);

t.test('FREE_DATA, computed, sess 0x7D3D rep 9 (§7.1)', async (t) => {
  const wire = hex('50 50 82 7d 08 00 00 00  de 05 db 7c 3d 7d 09 00');
  t.match(onePacket(t, wire), { command: 1502, session: 0x7d3d, replyId: 9, data: Buffer.alloc(0) });
  t.same(encodeTcpPacket(Command.FREE_DATA, 0x7d3d, 9), wire);
});

t.test('named datasets are the spec’s command/fct pairs (§9.1)', async (t) => {
  t.same(encodePrepareBuffer(Dataset.attendance), hex('01 0d 00 00000000 00000000'));
  t.same(encodePrepareBuffer(Dataset.users), hex('01 09 00 05000000 00000000'));
});

t.test('chunk requests (§9.3): 0xFFC0 on TCP, last one short', async (t) => {
  t.equal(TCP_CHUNK_SIZE, 65_472);
  t.same(chunkRequests(0), []);
  t.same(chunkRequests(5044), [{ offset: 0, length: 5044 }]);
  t.same(chunkRequests(65_472), [{ offset: 0, length: 65_472 }]);
  t.same(chunkRequests(65_473), [
    { offset: 0, length: 65_472 },
    { offset: 65_472, length: 1 },
  ]);
  t.same(chunkRequests(150_000), [
    { offset: 0, length: 65_472 },
    { offset: 65_472, length: 65_472 },
    { offset: 130_944, length: 19_056 },
  ]);
  t.same(chunkRequests(40_000, 16_384), [
    { offset: 0, length: 16_384 },
    { offset: 16_384, length: 16_384 },
    { offset: 32_768, length: 7232 },
  ]);
});

t.test('short data is a typed FrameError (reason short), never a RangeError', async (t) => {
  t.equal(BUFFER_SIZE_ANSWER_LENGTH, 13);
  const cases: Array<[string, () => unknown, number]> = [
    ['1503 answer with no data', () => decodeBufferSize(Buffer.alloc(0)), Command.ACK_OK],
    ['1503 answer of 12 bytes', () => decodeBufferSize(hex('00 b4130000 b4130000 cdef23')), Command.ACK_OK],
    [
      '1503 request of 10 bytes',
      () => decodePrepareBuffer(hex('01 0d00 00000000 000000')),
      Command.PREPARE_BUFFER,
    ],
    ['1504 request of 4 bytes', () => decodeReadBuffer(hex('00000000')), Command.READ_BUFFER],
  ];
  for (const [name, f, command] of cases) t.throws(f, { code: 'X05_FRAME', reason: 'short', command }, name);
});

t.test('PREPARE_DATA shorter than 8 bytes: the length is still read, the unknown field is 0', async (t) => {
  t.same(decodePrepareData(hex('b4 13 00 00')), { length: 5044, packetSize: 0 });
  t.same(decodePrepareData(Buffer.alloc(0)), { length: 0, packetSize: 0 });
});
