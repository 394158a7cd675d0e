/** MakeKey (zk-tcp §5) against vectors.md §3: pyzk fixtures and the computed table. */
import t from 'tap';
import { makeCommKey } from '../../protocol/zk/comm-key.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodePacket, encodeTcpPacket } from '../../protocol/zk/packet.js';
import { hex } from '../helpers/zk-bytes.js';

const table: Array<[key: number, session: number, auth: string, note: string]> = [
  [12, 0x45cf, '61 4d 32 3c', 'pyzk fixture'],
  [45, 0x45cf, '61 c9 32 3c', 'pyzk fixture'],
  [0, 0x45cf, '61 7d 32 3c', 'key 0'],
  [123456, 0x7d3d, '26 7f 32 84', 'computed'],
  [999999, 0xfb2f, '22 81 32 92', 'largest menu key'],
  [1234, 0x1f2e, '41 36 32 66', 'computed'],
  [1234, 0x1f99, '41 36 32 66', 'low session byte discarded'],
  [1, 0x00ff, '61 fd 32 79', 'no carry'],
  [1, 0x0100, '61 fd 32 78', 'carry into the next byte'],
];

for (const [key, session, auth, note] of table) {
  t.test(`key ${key}, session 0x${session.toString(16)} (${note})`, async (t) => {
    t.same(makeCommKey(key, session), hex(auth));
  });
}

t.test('step 2 wraps at 2^32 (a key with 16 low one-bits and a large session)', async (t) => {
  const out = makeCommKey(983039, 0xffff);
  t.equal(out.length, 4);
  t.equal(out[2], 0x32, 'ticks 50 in byte 2');
});

t.test('the full AUTH frames of vectors.md §3 (TCP and UDP)', async (t) => {
  const data = makeCommKey(123456, 0x7d3d);
  t.same(
    encodeTcpPacket(Command.AUTH, 0x7d3d, 1, data),
    hex('50 50 82 7d 0c 00 00 00  4e 04 1a 7b 3d 7d 01 00  26 7f 32 84'),
  );
  t.same(encodePacket(Command.AUTH, 0x7d3d, 1, data), hex('4e 04 1a 7b 3d 7d 01 00 26 7f 32 84'));
  t.same(
    encodeTcpPacket(Command.AUTH, 0x45cf, 1, makeCommKey(12, 0x45cf)),
    hex('50 50 82 7d 0c 00 00 00  4e 04 4e 2c cf 45 01 00  61 4d 32 3c'),
    'pyzk fixture frame, key 12',
  );
});

t.test(
  'a key outside u32 is an EncodeError that does not repeat the key, not a silent wrong payload',
  async (t) => {
    t.throws(() => makeCommKey(-1, 1), { code: 'X05_ENCODE', field: 'comm key', value: '(redacted)' });
    t.throws(() => makeCommKey(1.5, 1), { code: 'X05_ENCODE', field: 'comm key', value: '(redacted)' });
  },
);
