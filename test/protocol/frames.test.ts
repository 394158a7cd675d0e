/**
 * Whole frames from vectors.md §2, §3, §6 (connect, exit, comm-key login, events, event ACK, registration):
 * each named case is expanded into decode (framer), encode (TCP and UDP forms) and mirror checks.
 */
import t from 'tap';
import { Command, commandLabel, nextReplyId } from '../../protocol/zk/commands.js';
import { decodePacket, encodePacket, encodeTcpPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { frame, hex } from '../helpers/zk-bytes.js';

interface FrameCase {
  name: string;
  /** Whole TCP frame as on the wire (vectors.md). */
  wire: string;
  command: number;
  checksum: number;
  session: number;
  replyId: number;
  data: string;
}

const cases: FrameCase[] = [
  {
    name: 'CONNECT, pyzk style, sess 0 rep 0 (§2 fixture)',
    wire: '50 50 82 7d 08 00 00 00  e8 03 17 fc 00 00 00 00',
    command: 1000, // CMD_CONNECT
    checksum: 0xfc17,
    session: 0,
    replyId: 0,
    data: '',
  },
  {
    name: 'ACK_OK to CONNECT, new session 0xFB2F (§2 fixture)',
    wire: '50 50 82 7d 08 00 00 00  d0 07 ff fc 2f fb 00 00',
    command: 2000,
    checksum: 0xfcff,
    session: 0xfb2f,
    replyId: 0,
    data: '',
  },
  {
    name: 'EXIT after the fixture connect, rep 1 (§2)',
    wire: '5050827d08000000 e903 e600 2ffb 0100',
    command: 1001,
    checksum: 0x00e6,
    session: 0xfb2f,
    replyId: 1,
    data: '',
  },
  {
    name: 'real K40: CONNECT from js_zklib, rep 1 (§2)',
    wire: '50 50 82 7d 08 00 00 00  e8 03 16 fc 00 00 01 00',
    command: 1000,
    checksum: 0xfc16,
    session: 0,
    replyId: 1,
    data: '',
  },
  {
    name: 'real K40: ACK_OK sess 0x6BA0 rep 1 (§2)',
    wire: '50 50 82 7d 08 00 00 00  d0 07 8e 8c a0 6b 01 00',
    command: 2000,
    checksum: 0x8c8e,
    session: 0x6ba0,
    replyId: 1,
    data: '',
  },
  {
    name: 'real K40: EXIT rep 3 (§2)',
    wire: '50 50 82 7d 08 00 00 00  e9 03 73 90 a0 6b 03 00',
    command: 1001,
    checksum: 0x9073,
    session: 0x6ba0,
    replyId: 3,
    data: '',
  },
  {
    name: 'real K40: ACK_OK to EXIT rep 3 (§2)',
    wire: '50 50 82 7d 08 00 00 00  d0 07 8c 8c a0 6b 03 00',
    command: 2000,
    checksum: 0x8c8c,
    session: 0x6ba0,
    replyId: 3,
    data: '',
  },
  {
    name: 'ACK_UNAUTH, comm key required, sess 0x45CF (§3 fixture)',
    wire: '50 50 82 7d 08 00 00 00  d5 07 5b b2 cf 45 00 00',
    command: 2005,
    checksum: 0xb25b,
    session: 0x45cf,
    replyId: 0,
    data: '',
  },
  {
    name: 'AUTH key 12 (§3 fixture)',
    wire: '50 50 82 7d 0c 00 00 00  4e 04 4e 2c cf 45 01 00  61 4d 32 3c',
    command: 1102,
    checksum: 0x2c4e,
    session: 0x45cf,
    replyId: 1,
    data: '614d323c',
  },
  {
    name: 'AUTH key 45 (§3 fixture)',
    wire: '50 50 82 7d 0c 00 00 00  4e 04 4d b0 cf 45 01 00  61 c9 32 3c',
    command: 1102,
    checksum: 0xb04d,
    session: 0x45cf,
    replyId: 1,
    data: '61c9323c',
  },
  {
    name: 'ACK_OK after AUTH, key accepted (§3 fixture)',
    wire: '50 50 82 7d 08 00 00 00  d0 07 5f b2 cf 45 01 00',
    command: 2000,
    checksum: 0xb25f,
    session: 0x45cf,
    replyId: 1,
    data: '',
  },
  {
    name: 'ACK_UNAUTH after AUTH, wrong key (§3 fixture)',
    wire: '50 50 82 7d 08 00 00 00  d5 07 5a b2 cf 45 01 00',
    command: 2005,
    checksum: 0xb25a,
    session: 0x45cf,
    replyId: 1,
    data: '',
  },
  {
    name: 'AUTH key 123456, sess 0x7D3D, rep 1 (§3 computed)',
    wire: '50 50 82 7d 0c 00 00 00  4e 04 1a 7b 3d 7d 01 00  26 7f 32 84',
    command: 1102,
    checksum: 0x7b1a,
    session: 0x7d3d,
    replyId: 1,
    data: '267f3284',
  },
  {
    name: 'real F19 EF_ATTLOG event: session field = event code 1, rep 0 (§6.1)',
    wire: `50 50 82 7d 28 00 00 00  f4 01 ac 12 01 00 00 00
           39 39 39 31 31 31 33 33  33 00 00 00 00 00 00 00
           00 00 00 00 00 00 00 00  01 00 12 06 19 11 29 05`,
    command: 500,
    checksum: 0x12ac,
    session: 1,
    replyId: 0,
    data: '393939313131333333000000000000000000000000000000 01 00 120619112905',
  },
  {
    name: 'computed EF_ATTLOG event, 32-byte payload (§6.2)',
    wire: `50 50 82 7d 28 00 00 00  f4 01 55 63 01 00 00 00
           31 30 30 31 00 00 00 00  00 00 00 00 00 00 00 00
           00 00 00 00 00 00 00 00  0f 01 18 03 0f 08 1e 2d`,
    command: 500,
    checksum: 0x6355,
    session: 1,
    replyId: 0,
    data: '313030310000000000000000000000000000000000000000 0f 01 18030f081e2d',
  },
  {
    name: 'computed EF_ATTLOG event, 36-byte payload: same checksum, 4 zero bytes more (§6.2)',
    wire: `5050827d2c000000 f401 5563 0100 0000
           31 30 30 31 00 00 00 00  00 00 00 00 00 00 00 00
           00 00 00 00 00 00 00 00  0f 01 18 03 0f 08 1e 2d  00 00 00 00`,
    command: 500,
    checksum: 0x6355,
    session: 1,
    replyId: 0,
    data: '313030310000000000000000000000000000000000000000 0f 01 18030f081e2d 00000000',
  },
  {
    name: 'pyzk 12-byte EF_ATTLOG payload with the envelope length corrected to 0x14 (§6.3)',
    wire: '5050827d14000000 f4 01 ae 43 01 00 00 00  f1 94 49 00  00  00  12 0c 07 13 09 06',
    command: 500,
    checksum: 0x43ae,
    session: 1,
    replyId: 0,
    data: 'f1944900 00 00 120c07130906',
  },
  {
    name: 'real EF_FPFTR event, session field 0x0100, score 0x64, odd length (§6.4)',
    wire: '50 50 82 7d 09 00 00 00  f4 01 a7 fc 00 01 00 00  64',
    command: 500,
    checksum: 0xfca7,
    session: 0x0100,
    replyId: 0,
    data: '64',
  },
  {
    name: 'client ACK_OK for an event: our session, rep 0 (§6.5)',
    wire: '50 50 82 7d 08 00 00 00  d0 07 f2 7a 3d 7d 00 00',
    command: 2000,
    checksum: 0x7af2,
    session: 0x7d3d,
    replyId: 0,
    data: '',
  },
  {
    name: 'REG_EVENT mask EF_ATTLOG, sess 0x7D3D rep 5 (§6.6)',
    wire: '50 50 82 7d 0c 00 00 00  f4 01 c8 80 3d 7d 05 00  01 00 00 00',
    command: 500,
    checksum: 0x80c8,
    session: 0x7d3d,
    replyId: 5,
    data: '01000000',
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const wire = hex(c.wire);
    const data = hex(c.data);
    const fields = { command: c.command, checksum: c.checksum, session: c.session, replyId: c.replyId };

    t.test('decode (framer)', async (t) => {
      const framer = new TcpFramer('vec');
      const out = framer.push(wire);
      t.equal(out.length, 1);
      const r = out[0];
      if (!r || !('packet' in r)) return t.fail(`no packet: ${JSON.stringify(r)}`);
      t.match(r.packet, fields);
      t.same(r.packet.data, data);
      t.equal(r.offset, 0);
      t.equal(framer.pending, 0);
      t.equal(framer.finish(), undefined);
    });

    t.test('decode (UDP form, no envelope)', async (t) => {
      const p = decodePacket(wire.subarray(8));
      t.match(p, fields);
      t.same(p.data, data);
    });

    t.test('encode', async (t) => {
      t.same(encodeTcpPacket(c.command, c.session, c.replyId, data), wire, 'TCP frame equals the vector');
      t.same(encodePacket(c.command, c.session, c.replyId, data), wire.subarray(8), 'UDP datagram');
      t.same(
        frame({ command: c.command, session: c.session, replyId: c.replyId, data }),
        wire,
        'the test builder agrees with the vector too',
      );
    });

    t.test('mirror', async (t) => {
      const [r] = new TcpFramer().push(encodeTcpPacket(c.command, c.session, c.replyId, data));
      if (!r || !('packet' in r)) return t.fail('no packet');
      t.match(r.packet, fields);
      t.same(r.packet.data, data);
    });
  });
}

t.test('UDP CONNECT and AUTH datagrams (§2, §3)', async (t) => {
  t.same(encodePacket(Command.CONNECT, 0, 0), hex('e8 03 17 fc 00 00 00 00'));
  t.same(encodePacket(Command.AUTH, 0x7d3d, 1, hex('267f3284')), hex('4e 04 1a 7b 3d 7d 01 00 26 7f 32 84'));
});

t.test('an empty data argument encodes like no data', async (t) => {
  t.same(encodeTcpPacket(Command.CONNECT, 0, 0, Buffer.alloc(0)), hex('5050827d08000000e80317fc00000000'));
});

t.test('decodePacket: fewer than 8 bytes is a typed error, not a RangeError', async (t) => {
  for (const n of [0, 1, 7]) {
    t.throws(
      () => decodePacket(Buffer.alloc(n, 0xd0)),
      { code: 'X05_FRAME', reason: 'short', offset: 0 },
      `${n} bytes`,
    );
  }
});

t.test('reply ids wrap 65534 → 0, never 65535 (zk-tcp.md §4)', async (t) => {
  const cases: Array<[number, number]> = [
    [0, 1],
    [1, 2],
    [65533, 65534],
    [65534, 0],
  ];
  for (const [from, to] of cases) t.equal(nextReplyId(from), to, `${from} → ${to}`);
});

t.test('command table and labels (zk-tcp.md §6, §7)', async (t) => {
  const spec: Array<[keyof typeof Command, number]> = [
    ['CONNECT', 1000],
    ['EXIT', 1001],
    ['ENABLEDEVICE', 1002],
    ['DISABLEDEVICE', 1003],
    ['REFRESHDATA', 1013],
    ['AUTH', 1102],
    ['PREPARE_DATA', 1500],
    ['DATA', 1501],
    ['FREE_DATA', 1502],
    ['PREPARE_BUFFER', 1503],
    ['READ_BUFFER', 1504],
    ['USERTEMP_RRQ', 9],
    ['OPTIONS_RRQ', 11],
    ['ATTLOG_RRQ', 13],
    ['GET_FREE_SIZES', 50],
    ['GET_TIME', 201],
    ['SET_TIME', 202],
    ['REG_EVENT', 500],
    ['ACK_OK', 2000],
    ['ACK_ERROR', 2001],
    ['ACK_UNAUTH', 2005],
    ['ACK_UNKNOWN', 0xffff],
  ];
  for (const [name, code] of spec) t.equal(Command[name], code, name);
  t.equal(commandLabel(1000), 'CONNECT(1000)');
  t.equal(commandLabel(4242), '4242');
});
