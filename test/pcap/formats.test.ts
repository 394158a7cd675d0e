/**
 * The same real packets in other container forms must read the same: pcapng (enhanced, simple and
 * obsolete packet blocks, a nanosecond interface, a big-endian section), big-endian and nanosecond classic
 * pcap. The containers are built here byte by byte from the pcap-savefile / pcapng specs, independently of
 * protocol/pcap.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { readCapture, readTcpConversations } from '../../protocol/pcap/index.js';
import { REAL_BYTES_DIR } from '../helpers/zk-bytes.js';

const file = `${REAL_BYTES_DIR}/pyzk18-users70.retransmit.pcap`;
const original = readFileSync(file);

/** Classic pcap records straight from the file: [sec, usec, data]. */
function records(): Array<[number, number, Buffer]> {
  const out: Array<[number, number, Buffer]> = [];
  for (let at = 24; at < original.length; ) {
    const len = original.readUInt32LE(at + 8);
    out.push([
      original.readUInt32LE(at),
      original.readUInt32LE(at + 4),
      original.subarray(at + 16, at + 16 + len),
    ]);
    at += 16 + len;
  }
  return out;
}

const u32 = (v: number, be = false) => {
  const b = Buffer.alloc(4);
  be ? b.writeUInt32BE(v) : b.writeUInt32LE(v);
  return b;
};
const u16 = (v: number, be = false) => {
  const b = Buffer.alloc(2);
  be ? b.writeUInt16BE(v) : b.writeUInt16LE(v);
  return b;
};
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

function block(type: number, body: Buffer, be = false): Buffer {
  const padded = pad4(body);
  const len = padded.length + 12;
  return Buffer.concat([u32(type, be), u32(len, be), padded, u32(len, be)]);
}

function pcapng(form: 'enhanced' | 'simple' | 'obsolete', be = false, nano = false): Buffer {
  const shb = block(
    0x0a0d0d0a,
    Buffer.concat([u32(0x1a2b3c4d, be), u16(1, be), u16(0, be), Buffer.alloc(8, 0xff)]),
    be,
  );
  // if_tsresol = 9 (nanoseconds) as option 9, then opt_endofopt
  const opts = nano
    ? Buffer.concat([u16(9, be), u16(1, be), Buffer.from([9, 0, 0, 0]), u16(0, be), u16(0, be)])
    : Buffer.alloc(0);
  const idb = block(1, Buffer.concat([u16(1, be), u16(0, be), u32(262144, be), opts]), be);
  const packets = records().map(([sec, usec, data]) => {
    const ts = BigInt(sec * 1e6 + usec) * (nano ? 1000n : 1n);
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    if (form === 'simple') return block(3, Buffer.concat([u32(data.length, be), data]), be);
    const head = form === 'enhanced' ? u32(0, be) : Buffer.concat([u16(0, be), u16(0, be)]);
    return block(
      form === 'enhanced' ? 6 : 2,
      Buffer.concat([head, u32(hi, be), u32(lo, be), u32(data.length, be), u32(data.length, be), data]),
      be,
    );
  });
  // a name-resolution block in the middle must be skipped
  return Buffer.concat([shb, idb, block(4, Buffer.from([0, 0, 0, 0]), be), ...packets]);
}

function classic(be: boolean, nano: boolean): Buffer {
  const head = Buffer.concat([
    u32(nano ? 0xa1b23c4d : 0xa1b2c3d4, be),
    u16(2, be),
    u16(4, be),
    u32(0),
    u32(0),
    u32(262144, be),
    u32(1, be),
  ]);
  const recs = records().map(([sec, usec, data]) =>
    Buffer.concat([
      u32(sec, be),
      u32(nano ? usec * 1000 : usec, be),
      u32(data.length, be),
      u32(data.length, be),
      data,
    ]),
  );
  return Buffer.concat([head, ...recs]);
}

const expected = readTcpConversations(original)[0]!.toClient.bytes.toString('hex');
const times = readCapture(original).map((p) => p.tsUs);

const cases: Record<string, Buffer> = {
  'pcapng enhanced packet blocks': pcapng('enhanced'),
  'pcapng, big-endian section, nanosecond interface': pcapng('enhanced', true, true),
  'pcapng obsolete packet blocks': pcapng('obsolete'),
  'pcapng simple packet blocks': pcapng('simple'),
  'classic pcap, big-endian': classic(true, false),
  'classic pcap, nanosecond': classic(false, true),
};

for (const [name, bytes] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const conv = readTcpConversations(bytes, name)[0]!;
    t.equal(conv.toClient.bytes.toString('hex'), expected);
    if (!name.includes('simple'))
      t.same(
        readCapture(bytes).map((p) => p.tsUs),
        times,
        'timestamps',
      );
  });
}

t.test('a pcapng block running past the end is a typed error', async (t) => {
  const bytes = pcapng('enhanced');
  t.throws(() => readCapture(bytes.subarray(0, bytes.length - 3), 'cut.pcapng'), {
    code: 'X05_FRAME',
    kind: 'truncated',
  });
});
