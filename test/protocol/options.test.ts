/** CMD_OPTIONS_RRQ request `Name\0` and answer `Name=Value\0` (zk-tcp §7.1, vectors.md §9). */
import t from 'tap';
import { Command } from '../../protocol/zk/commands.js';
import {
  decodeOptionAnswer,
  decodeOptionRequest,
  encodeOptionAnswer,
  encodeOptionRequest,
} from '../../protocol/zk/options.js';
import { encodeTcpPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { hex } from '../helpers/zk-bytes.js';

function packetOf(wire: Buffer) {
  const out = new TcpFramer('vec').push(wire);
  const r = out[0];
  if (out.length !== 1 || !r || !('packet' in r))
    throw new Error(`expected one packet, got ${JSON.stringify(out)}`);
  return r.packet;
}

const requests: Array<{ name: string; wire: string; session: number; replyId: number; option: string }> = [
  {
    name: '~Platform, real pyzk client (pyzk #41 tcpdump)',
    wire: '50 50 82 7d 12 00 00 00  0b 00 61 f7 3d 7d 1a 00  7e 50 6c 61 74 66 6f 72 6d 00',
    session: 0x7d3d,
    replyId: 0x1a,
    option: '~Platform',
  },
  {
    name: '~SerialNumber, computed, rep 10',
    wire: '50 50 82 7d 16 00 00 00  0b 00 aa 39 3d 7d 0a 00  7e 53 65 72 69 61 6c 4e 75 6d 62 65 72 00',
    session: 0x7d3d,
    replyId: 10,
    option: '~SerialNumber',
  },
  {
    name: '~Platform, real ZKAccess client (F19)',
    wire: '5050827d120000000b00b9e6f38d0c007e506c6174666f726d00',
    session: 0x8df3,
    replyId: 12,
    option: '~Platform',
  },
  {
    name: '~OS, real ZKAccess client (F19)',
    wire: '5050827d0c0000000b0058efc5c005007e4f5300',
    session: 0xc0c5,
    replyId: 5,
    option: '~OS',
  },
];

const answers: Array<{
  name: string;
  wire: string;
  session: number;
  replyId: number;
  option: string;
  value: string;
}> = [
  {
    name: '~Platform=AK3750WIFI_TFT, real (pyzk #41)',
    wire: '50 50 82 7d 21 00 00 00  d0 07 af c4 3d 7d 1a 00  7e506c6174666f726d3d414b33373530574946495f54465400',
    session: 0x7d3d,
    replyId: 0x1a,
    option: '~Platform',
    value: 'AK3750WIFI_TFT',
  },
  {
    name: 'MAC=00:17:61:B0:4C:D6, real (pyzk #41)',
    wire: '50 50 82 7d 1e 00 00 00  d0 07 5d 2b 3d 7d 1e 00  4d41433d30303a31373a36313a42303a34433a443600',
    session: 0x7d3d,
    replyId: 0x1e,
    option: 'MAC',
    value: '00:17:61:B0:4C:D6',
  },
  {
    name: '~Platform=ZEM760_TFT, real (F19)',
    wire: '5050827d1d000000d007714cf38d0c007e506c6174666f726d3d5a454d3736305f54465400',
    session: 0x8df3,
    replyId: 12,
    option: '~Platform',
    value: 'ZEM760_TFT',
  },
  {
    name: 'WorkCode=0, real (F19)',
    wire: '5050827d13000000d007828af38d0b00576f726b436f64653d3000',
    session: 0x8df3,
    replyId: 11,
    option: 'WorkCode',
    value: '0',
  },
];

for (const c of requests) {
  t.test(`request: ${c.name}`, async (t) => {
    const wire = hex(c.wire);
    const p = packetOf(wire);
    t.match(p, { command: Command.OPTIONS_RRQ, session: c.session, replyId: c.replyId });
    t.equal(decodeOptionRequest(p.data), c.option, 'decode');
    t.same(encodeOptionRequest(c.option), p.data, 'encode data (NUL-terminated)');
    t.same(
      encodeTcpPacket(Command.OPTIONS_RRQ, c.session, c.replyId, encodeOptionRequest(c.option)),
      wire,
      'encode frame',
    );
  });
}

for (const c of answers) {
  t.test(`answer: ${c.name}`, async (t) => {
    const wire = hex(c.wire);
    const p = packetOf(wire);
    t.match(p, { command: Command.ACK_OK, session: c.session, replyId: c.replyId });
    t.same(decodeOptionAnswer(p.data), { name: c.option, value: c.value }, 'decode');
    t.same(encodeOptionAnswer(c.option, c.value), p.data, 'encode data');
    t.same(
      encodeTcpPacket(Command.ACK_OK, c.session, c.replyId, encodeOptionAnswer(c.option, c.value)),
      wire,
      'encode frame',
    );
  });
}

t.test('answer parsing edge cases (§7.1)', async (t) => {
  const cases: Array<[string, Buffer, { name: string; value: string }]> = [
    [
      'empty value (SpeedFace-V5L ~SerialNumber=)',
      Buffer.from('~SerialNumber=\0'),
      { name: '~SerialNumber', value: '' },
    ],
    ['value containing "="', Buffer.from('Key=a=b\0'), { name: 'Key', value: 'a=b' }],
    [
      'bytes after the first NUL are ignored',
      Buffer.from('WorkCode=0\0junk=1'),
      { name: 'WorkCode', value: '0' },
    ],
    ['no NUL at all', Buffer.from('WorkCode=0'), { name: 'WorkCode', value: '0' }],
    ['whitespace trimmed', Buffer.from(' ~OS = Linux \0'), { name: '~OS', value: 'Linux' }],
    ['no "=": a name without a value', Buffer.from('~Platform\0'), { name: '~Platform', value: '' }],
    ['empty data', Buffer.alloc(0), { name: '', value: '' }],
  ];
  for (const [name, data, want] of cases) t.same(decodeOptionAnswer(data), want, name);
  t.equal(
    decodeOptionRequest(Buffer.from('~Platform')),
    '~Platform',
    'zkteco-js sends names without the NUL',
  );
});
