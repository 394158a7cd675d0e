/**
 * GET_FREE_SIZES answers (zk-tcp §8, vectors.md §8): real 92-, 80- and 4-byte answers; any field past the
 * received length is undefined (unknown), never 0.
 */
import t from 'tap';
import { decodeFreeSizes, encodeFreeSizes, type FreeSizes } from '../../protocol/zk/free-sizes.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { bytes, hex, readHexFixture, readJsonFixture, u32 } from '../helpers/zk-bytes.js';

function packetOf(wire: Buffer) {
  const out = new TcpFramer('vec').push(wire);
  const r = out[0];
  if (out.length !== 1 || !r || !('packet' in r))
    throw new Error(`expected one packet, got ${JSON.stringify(out)}`);
  return r.packet;
}

/** The json sidecars name offsets like "@16 users"; map them onto our field names. */
const jsonKeyToField: Record<string, keyof FreeSizes> = {
  '@16': 'users',
  '@24': 'fingerprints',
  '@32': 'records',
  '@40': 'oplogs',
  '@48': 'admins',
  '@52': 'passwords',
  '@56': 'fingerprintCapacity',
  '@60': 'userCapacity',
  '@64': 'recordCapacity',
  '@68': 'fingerprintsRemaining',
  '@72': 'usersRemaining',
  '@76': 'recordsRemaining',
  '@80': 'faces',
  '@88': 'faceCapacity',
};

function fromJson(sizes: Record<string, number>): FreeSizes {
  const out: FreeSizes = {};
  for (const [k, v] of Object.entries(sizes)) {
    const field = jsonKeyToField[k.split(' ')[0]!];
    if (field) out[field] = v;
  }
  return out;
}

interface SizesCase {
  name: string;
  wire: Buffer;
  header: { session: number; replyId: number };
  dataLength: number;
  sizes: FreeSizes;
}

type FrameJson = { free_sizes?: Record<string, number> };
const sess6396 = readJsonFixture<{ expected: { line_5: { after_zero_padding: FrameJson } } }>(
  'pyzk-sess6396',
);
const k20 = readJsonFixture<{ expected: { device_to_client_frames: FrameJson[] } }>('k20-pyzk-test');
const pyzk18 = readJsonFixture<{ expected: { device_to_client_frames: FrameJson[] } }>('pyzk18-users70');

const cases: SizesCase[] = [
  {
    // published 6 bytes short of its envelope length; the missing bytes are zeros (checksum verifies padded)
    name: '92 bytes, real (pyzk fixture, session 0x6396), trailing zeros restored',
    wire: Buffer.concat([readHexFixture('pyzk-sess6396')[0]!.bytes, Buffer.alloc(6)]),
    header: { session: 0x6396, replyId: 19 },
    dataLength: 92,
    sizes: {
      users: 7,
      fingerprints: 6,
      records: 605,
      oplogs: 3087,
      admins: 1,
      passwords: 0,
      fingerprintCapacity: 3000,
      userCapacity: 10_000,
      recordCapacity: 100_000,
      fingerprintsRemaining: 2994,
      usersRemaining: 9993,
      recordsRemaining: 99_395,
      faces: 0,
      faceCapacity: 0,
    },
  },
  {
    name: '80 bytes, real K20',
    wire: readHexFixture('k20-pyzk-test')[1]!.bytes,
    header: { session: 0x2058, replyId: 19 },
    dataLength: 80,
    sizes: {
      users: 2,
      fingerprints: 0,
      records: 0,
      oplogs: 7,
      admins: 0,
      passwords: 0,
      fingerprintCapacity: 500,
      userCapacity: 500,
      recordCapacity: 50_000,
      fingerprintsRemaining: 500,
      usersRemaining: 498,
      recordsRemaining: 50_000,
    },
  },
  {
    name: '80 bytes, real (pyzk PR #18 device): 6 admins, 6 passwords',
    wire: readHexFixture('pyzk18-users70')[1]!.bytes,
    header: { session: 0x3c5c, replyId: 19 },
    dataLength: 80,
    sizes: {
      users: 70,
      fingerprints: 70,
      records: 3225,
      oplogs: 282,
      admins: 6,
      passwords: 6,
      fingerprintCapacity: 500,
      userCapacity: 500,
      recordCapacity: 50_000,
      fingerprintsRemaining: 430,
      usersRemaining: 430,
      recordsRemaining: 46_775,
    },
  },
  {
    name: '4 bytes of zeros, real AK3750WIFI_TFT (pyzk #41): every field unknown',
    wire: hex('5050827d0c000000 d007 d37a 3d7d 1f00 00000000'),
    header: { session: 0x7d3d, replyId: 31 },
    dataLength: 4,
    sizes: {},
  },
];

t.test('the fixtures’ own expectations agree with the tables above', async (t) => {
  t.same(fromJson(sess6396.expected.line_5.after_zero_padding.free_sizes!), cases[0]!.sizes);
  t.same(fromJson(k20.expected.device_to_client_frames[1]!.free_sizes!), cases[1]!.sizes);
  t.same(fromJson(pyzk18.expected.device_to_client_frames[1]!.free_sizes!), cases[2]!.sizes);
});

for (const c of cases) {
  t.test(c.name, async (t) => {
    const p = packetOf(c.wire);
    t.match(p, { command: 2000, ...c.header });
    t.equal(p.data.length, c.dataLength);
    const decoded = decodeFreeSizes(p.data);
    t.same(decoded, c.sizes, 'decode: exactly these fields, the others absent');
    if (c.dataLength === 80 || c.dataLength === 92) {
      t.same(encodeFreeSizes(c.sizes), p.data, 'encode');
      t.same(decodeFreeSizes(encodeFreeSizes(c.sizes)), c.sizes, 'mirror');
    }
  });
}

t.test('fields past the length are undefined, not 0', async (t) => {
  const k20data = packetOf(cases[1]!.wire).data;
  const d80 = decodeFreeSizes(k20data);
  t.equal(d80.faces, undefined);
  t.equal(d80.faceCapacity, undefined);
  t.notOk('faces' in d80);
  const d4 = decodeFreeSizes(hex('00000000'));
  t.equal(d4.records, undefined, '4-byte answer: record count unknown');
  t.equal(d4.users, undefined);
  // cut inside a field: @48 (admins) fits in 52 bytes, @52 (passwords) does not
  const d52 = decodeFreeSizes(k20data.subarray(0, 52));
  t.equal(d52.admins, 0);
  t.equal(d52.passwords, undefined);
  const d35 = decodeFreeSizes(bytes(new Array(32).fill(0), [1, 2, 3]));
  t.same(d35, { users: 0, fingerprints: 0 }, 'record count @32 needs 36 bytes');
  t.same(decodeFreeSizes(Buffer.alloc(0)), {});
});

t.test('a 112-byte answer (SpeedFace-H5L): the known fields, the rest ignored', async (t) => {
  const words = Array.from({ length: 28 }, (_, i) => i * 1000 + 1);
  const d = decodeFreeSizes(bytes(...words.map(u32)));
  t.equal(d.users, 4001);
  t.equal(d.records, 8001);
  t.equal(d.recordsRemaining, 19_001);
  t.equal(d.faceCapacity, 22_001);
});

t.test('encode picks the 80- or 92-byte form', async (t) => {
  t.equal(encodeFreeSizes({ users: 1 }).length, 80);
  t.equal(encodeFreeSizes({ faces: 3 }).length, 92);
  t.same(encodeFreeSizes({ records: 605 }), bytes(new Array(32).fill(0), u32(605), new Array(44).fill(0)));
});
