/** Checksum (zk-tcp §3, vectors.md §1): worked examples, real packets, the hand-edited negative fixture. */
import fc from 'fast-check';
import t from 'tap';
import { zkChecksum } from '../../protocol/zk/checksum.js';
import { packetChecksumValid } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { hex, refChecksum } from '../helpers/zk-bytes.js';

interface Case {
  name: string;
  /** ZK header + data, as on the wire (checksum field as sent). */
  packet: string;
  checksum: number;
}

// Header + data of packets quoted in vectors.md; the expected value is the one on the wire / in the table.
const cases: Case[] = [
  { name: 'CONNECT sess 0 rep 0 (§1 worked example)', packet: 'e803 17fc 0000 0000', checksum: 0xfc17 },
  {
    name: 'ACK_OK sess 0xFB2F rep 0: end-around carry (§1)',
    packet: 'd007 fffc 2ffb 0000',
    checksum: 0xfcff,
  },
  {
    name: 'odd length, real pyzk PR #18 ACK_OK with data 09',
    packet: 'd007 babb 5c3c 1000 09',
    checksum: 0xbbba,
  },
  {
    name: 'real F19 EF_ATTLOG event (§6.1)',
    packet: 'f401 ac12 0100 0000 3939393131313333 3300000000000000 0000000000000000 0100120619112905',
    checksum: 0x12ac,
  },
  { name: 'K40 CONNECT from js_zklib, rep 1 (§2)', packet: 'e803 16fc 0000 0100', checksum: 0xfc16 },
  { name: 'K40 ACK_OK sess 0x6BA0 rep 1 (§2)', packet: 'd007 8e8c a06b 0100', checksum: 0x8c8e },
  { name: 'K40 EXIT (§2)', packet: 'e903 7390 a06b 0300', checksum: 0x9073 },
  { name: 'pyzk EXIT after fixture connect (§2)', packet: 'e903 e600 2ffb 0100', checksum: 0x00e6 },
  { name: 'ACK_UNAUTH sess 0x45CF (§3)', packet: 'd507 5bb2 cf45 0000', checksum: 0xb25b },
  { name: 'AUTH key 12 (§3 fixture)', packet: '4e04 4e2c cf45 0100 614d323c', checksum: 0x2c4e },
  { name: 'AUTH key 45 (§3 fixture)', packet: '4e04 4db0 cf45 0100 61c9323c', checksum: 0xb04d },
  { name: 'real EF_FPFTR, odd length (§6.4)', packet: 'f401 a7fc 0001 0000 64', checksum: 0xfca7 },
  {
    name: 'real 1503 size answer, odd length 13 (§7.2)',
    packet: 'd007 a762 5c3c 1500 00b4130000b4130000cdef2300',
    checksum: 0x62a7,
  },
  { name: 'real last DATA of a chunk (§7.5)', packet: 'dd05 07fa 0500 1600 00000000', checksum: 0xfa07 },
  { name: 'real K40 ACK_OK, session field 0x7C (§7.4)', packet: 'd007 b1f7 7c00 0200', checksum: 0xf7b1 },
  {
    name: 'real AK3750 GET_FREE_SIZES 4-byte answer (§8)',
    packet: 'd007 d37a 3d7d 1f00 00000000',
    checksum: 0x7ad3,
  },
];

// Hand-edited pyzk 32-byte live-event fixture (vectors.md §1): its checksum 0x43AE was copied from another
// packet; the right value for its bytes is 0x4BCC. Data: user "1140064", verify 15, state 0, 2018-11-29 12:55:03.
const BAD_FIXTURE_PACKET = hex(
  'f401 ae43 0100 0000 3131343030363400 0000000000000000 0000000000000000 0f00120b1d0c3703',
);

t.test('worked and real examples', async (t) => {
  for (const c of cases) {
    const p = hex(c.packet);
    t.equal(zkChecksum(p), c.checksum, `${c.name}: computed`);
    t.equal(refChecksum(p), c.checksum, `${c.name}: reference builder agrees`);
    t.ok(packetChecksumValid(p), `${c.name}: verifies as received`);
  }
});

t.test('the checksum field itself is ignored when computing', async (t) => {
  const p = hex('e803 0000 0000 0000');
  const q = hex('e803 ffff 0000 0000');
  t.equal(zkChecksum(p), 0xfc17);
  t.equal(zkChecksum(q), 0xfc17);
});

t.test('odd length: the last byte is a low byte, not a high byte', async (t) => {
  // 09 as low byte: 0x07D0+0x3C5C+0x0010+0x0009 = 0x4445 → 0xBBBA; as a high byte it would be 0xC2B3
  const p = hex('d007 0000 5c3c 1000 09');
  t.equal(zkChecksum(p), 0xbbba);
  t.not(zkChecksum(p), 0xc2b3);
  // the same packet with the byte padded explicitly gives the same value
  t.equal(zkChecksum(hex('d007 0000 5c3c 1000 0900')), 0xbbba);
});

t.test('hand-edited fixture: the stored checksum is wrong', async (t) => {
  t.equal(zkChecksum(BAD_FIXTURE_PACKET), 0x4bcc, 'correct value per vectors.md §1');
  t.equal(BAD_FIXTURE_PACKET.readUInt16LE(2), 0x43ae, 'value carried by the fixture');
  t.notOk(packetChecksumValid(BAD_FIXTURE_PACKET));
});

t.test('framer rejects the hand-edited fixture with reason checksum', async (t) => {
  // The published length field 0x3F8 does not match the 40 bytes present; with the length corrected to 0x28
  // the frame is complete and only the checksum is wrong.
  const envelope = hex('5050827d 28000000');
  const framer = new TcpFramer('pyzk-fixture');
  const out = framer.push(Buffer.concat([envelope, BAD_FIXTURE_PACKET]));
  t.equal(out.length, 1);
  t.match(out[0], {
    error: { code: 'X05_FRAME', reason: 'checksum', command: 500, device: 'pyzk-fixture', offset: 10 },
  });
  t.equal(framer.pending, 0, 'the bad frame is consumed whole');
  t.equal(framer.finish(), undefined);

  // As published (length 0x3F8 = 1016, 40 bytes present) the frame never completes: truncated at the end.
  const asPublished = new TcpFramer('pyzk-fixture');
  t.same(asPublished.push(Buffer.concat([hex('5050827d f8030000'), BAD_FIXTURE_PACKET])), []);
  t.match(asPublished.finish(), { code: 'X05_FRAME', reason: 'truncated', command: 500, offset: 0 });
});

t.test('agrees with an independent implementation and with the peers’ route (random packets)', async (t) => {
  // The peers' recipe (vectors.md §1): sum over the header with reply id − 1, mod 65535, 65534 − sum, then
  // write the real reply id (wrapping 65534 → 0). It must give the same bytes as the plain checksum.
  const peerChecksum = (cmd: number, session: number, rep: number, data: Uint8Array): number => {
    const prev = rep === 0 ? 65534 : rep - 1;
    const buf = Buffer.concat([
      Buffer.from([cmd & 0xff, cmd >> 8, 0, 0, session & 0xff, session >> 8, prev & 0xff, prev >> 8]),
      data,
    ]);
    let sum = 0;
    for (let i = 0; i < buf.length; i += 2) sum += (buf[i] ?? 0) | ((buf[i + 1] ?? 0) << 8);
    sum %= 65535;
    return 65534 - sum;
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.oneof(fc.constantFrom(0, 1, 65534), fc.integer({ min: 0, max: 65534 })),
      fc.uint8Array({ maxLength: 41 }),
      (cmd, session, rep, data) => {
        const p = Buffer.concat([
          Buffer.from([cmd & 0xff, cmd >> 8, 0, 0, session & 0xff, session >> 8, rep & 0xff, rep >> 8]),
          data,
        ]);
        const c = zkChecksum(p);
        if (c !== refChecksum(p)) return false;
        // a packet carrying its checksum sums to 0xFFFF (ones'-complement), i.e. verifies
        p.writeUInt16LE(c, 2);
        if (!packetChecksumValid(p)) return false;
        // the peers' route may land on the other ones'-complement zero only when the sum is 0 mod 65535
        const peer = peerChecksum(cmd, session, rep, data);
        return peer === c || (peer === 0 && c === 0xffff) || (peer === 0xffff && c === 0);
      },
    ),
    { numRuns: 3000 },
  );
  t.pass('3000 random packets agree');
});
