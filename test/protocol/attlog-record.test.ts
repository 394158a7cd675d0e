/**
 * Attendance records 40 / 16 / 8 bytes (zk-tcp §11, vectors.md §5): real and computed records expanded
 * into decode, encode and mirror checks; typed errors for records that cannot be punches.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import {
  type AttlogRecord,
  type AttlogRecordSize,
  decodeAttlogRecord,
  encodeAttlogRecord,
} from '../../protocol/zk/attlog-record.js';
import { formatWallTime } from '../../protocol/zk/time.js';
import { bytes, chars, hex, u8, u16, u32 } from '../helpers/zk-bytes.js';

interface RecordCase {
  name: string;
  size: AttlogRecordSize;
  wire: Buffer;
  record: AttlogRecord;
  /** What the encoder writes when it differs from the wire (reserved bytes the decoded type does not keep). */
  encoded?: Buffer;
}

const realF19 = hex(`
  0d 00                                            // uid 13
  39 39 39 31 31 31 33 33 33 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00                    // user_id "999111333" (24 bytes @2)
  01                                               // verify @26 = fingerprint
  6b b3 68 23                                      // packed time @27 = 2018-06-25 17:50:35
  00                                               // state @31 = check-in
  00 00 00 00 ff 00 00 00                          // reserved @32`);

const cases: RecordCase[] = [
  {
    name: '40-byte, real F19 (adrobinoga data-record.md, vectors.md §5.1)',
    size: 40,
    wire: realF19,
    record: {
      uid: 13,
      userId: '999111333',
      verify: 1,
      punch: 0,
      deviceTime: '2018-06-25T17:50:35',
      workcode: 0,
    },
    // the decoded type does not keep the reserved tail (00 00 00 00 ff 00 00 00): the encoder writes zeros
    encoded: Buffer.concat([realF19.subarray(0, 32), Buffer.alloc(8)]),
  },
  {
    name: '40-byte, computed: uid 7, "1001", face, out (vectors.md §5.1)',
    size: 40,
    wire: hex(`07 00 31 30 30 31 00 00 00 00 00 00 00 00 00 00
               00 00 00 00 00 00 00 00 00 00 0f b5 f9 5e 2e 01
               00 00 00 00 00 00 00 00`),
    record: { uid: 7, userId: '1001', verify: 15, punch: 1, deviceTime: '2024-03-15T08:30:45', workcode: 0 },
  },
  {
    name: '40-byte, real pyzk #139 as printed: uid 1, "10036", verify 0x0F, state 0',
    size: 40,
    wire: bytes(u16(1), chars('10036', 24), [0x0f], hex('b8 eb c9 29'), [0], new Array(8).fill(0)),
    record: { uid: 1, userId: '10036', verify: 15, punch: 0, deviceTime: '2021-10-24T13:42:16', workcode: 0 },
  },
  {
    name: '40-byte, a 23-character user id (the longest the encoder keeps with its NUL)',
    size: 40,
    wire: bytes(
      u16(65535),
      chars('NB2401004ABCDEFGHIJKLMN', 24),
      [2],
      u32(777_976_245),
      [5],
      new Array(8).fill(0),
    ),
    record: {
      uid: 65535,
      userId: 'NB2401004ABCDEFGHIJKLMN',
      verify: 2,
      punch: 5,
      deviceTime: '2024-03-15T08:30:45',
      workcode: 0,
    },
  },
  {
    name: '16-byte, real js_zklib #50: user 21, state 0 (byte 8), verify 0 (byte 9)',
    size: 16,
    wire: hex('15 00 00 00  ec 15 4f 23  00  00  00 00  00 00 00 00'),
    record: { uid: 0, userId: '21', verify: 0, punch: 0, deviceTime: '2018-06-06T07:31:56', workcode: 0 },
  },
  {
    name: '16-byte, real js_zklib #50: user 22, state 1 = out (byte 8)',
    size: 16,
    wire: hex('16 00 00 00  85 82 4f 23  01  00  00 00  00 00 00 00'),
    record: { uid: 0, userId: '22', verify: 0, punch: 1, deviceTime: '2018-06-06T15:15:17', workcode: 0 },
  },
  {
    name: '16-byte, computed: user 1001, state 1 @8, verify 15 @9 (vectors.md §5.2)',
    size: 16,
    wire: hex('e9 03 00 00 b5 f9 5e 2e 01 0f 00 00 00 00 00 00'),
    record: { uid: 0, userId: '1001', verify: 15, punch: 1, deviceTime: '2024-03-15T08:30:45', workcode: 0 },
  },
  {
    name: '16-byte, builder: large PIN and a workcode @12',
    size: 16,
    wire: bytes(u32(4_822_257), u32(777_976_245), [3], [1], [0, 0], u32(0x01020304)),
    record: {
      uid: 0,
      userId: '4822257',
      verify: 1,
      punch: 3,
      deviceTime: '2024-03-15T08:30:45',
      workcode: 0x01020304,
    },
  },
  {
    name: '8-byte, computed: uid 7, verify 1 @2, time @3, state 0 @7 (vectors.md §5.3)',
    size: 8,
    wire: hex('07 00 01 b5 f9 5e 2e 00'),
    record: { uid: 7, userId: '7', verify: 1, punch: 0, deviceTime: '2024-03-15T08:30:45', workcode: 0 },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(c.wire.length, c.size, 'fixture has the layout size');
    t.same(decodeAttlogRecord(c.wire, c.size), c.record, 'decode');
    t.same(encodeAttlogRecord(c.record, c.size), c.encoded ?? c.wire, 'encode');
    t.same(decodeAttlogRecord(encodeAttlogRecord(c.record, c.size), c.size), c.record, 'mirror');
  });
}

t.test(
  'byte 8 of a 16-byte record is the state, byte 26 of a 40-byte record the verify method',
  async (t) => {
    // pyzk names these positionally and swaps their meaning between layouts (zk-tcp §11.4)
    const r16 = decodeAttlogRecord(bytes(u32(5), u32(777_976_245), [4], [2], [0, 0], u32(0)), 16);
    t.match(r16, { punch: 4, verify: 2 });
    const r40 = decodeAttlogRecord(
      bytes(u16(5), chars('5', 24), [2], u32(777_976_245), [4], new Array(8).fill(0)),
      40,
    );
    t.match(r40, { punch: 4, verify: 2 });
  },
);

t.test('the user id stops at the first NUL; bytes after it are ignored', async (t) => {
  const w = bytes(u16(3), chars('123', 24), [1], u32(777_976_245), [0], new Array(8).fill(0));
  w[2 + 5] = 0x41; // junk after the NUL
  t.equal(decodeAttlogRecord(w, 40).userId, '123');
});

t.test('records that cannot be punches throw RecordError with index, offset and the raw bytes', async (t) => {
  const ok40 = () => bytes(u16(9), chars('77', 24), [1], u32(777_976_245), [0], new Array(8).fill(0));

  const empty = ok40();
  empty.fill(0, 2, 26);
  t.throws(() => decodeAttlogRecord(empty, 40, 4, 160), {
    code: 'X05_RECORD',
    name: 'RecordError',
    index: 4,
    offset: 160,
    recordHex: empty.toString('hex'),
  });

  const control = ok40();
  control[3] = 0x07; // "7\a"
  t.throws(() => decodeAttlogRecord(control, 40), { code: 'X05_RECORD' }, 'control character in the id');

  const space = ok40();
  space[3] = 0x20; // "7 7"
  space[4] = 0x37;
  t.throws(() => decodeAttlogRecord(space, 40), { code: 'X05_RECORD' }, 'space inside the id');

  const high = ok40();
  high[2] = 0xe9;
  t.throws(() => decodeAttlogRecord(high, 40), { code: 'X05_RECORD' }, 'non-ASCII byte in the id');

  const apr31 = ok40();
  apr31.writeUInt32LE(((24 * 12 + 3) * 31 + 30) * 86_400, 27); // 2024-04-31 00:00
  t.match(decodeAttlogRecord(apr31, 40, 1, 40), { deviceTime: /^2024-04-31T/ }, 'Apr 31 kept as written');
});

t.test('a slice shorter than the layout is a RecordError, not a RangeError', async (t) => {
  const sizes: AttlogRecordSize[] = [40, 16, 8];
  for (const size of sizes) {
    for (const n of [0, 1, size - 1]) {
      t.throws(
        () => decodeAttlogRecord(Buffer.alloc(n, 0x31), size, 2, 80),
        { code: 'X05_RECORD', index: 2, offset: 80 },
        `${n} bytes as ${size}`,
      );
    }
  }
});

t.test('16-byte layout: a user id that is not a u32 PIN is refused, not written as 0', async (t) => {
  const base = { uid: 0, verify: 1, punch: 0, deviceTime: '2024-03-15T08:30:45', workcode: 0 };
  for (const userId of ['A12', '', '12 3', '-1', '4294967296', '1e3']) {
    t.throws(
      () => encodeAttlogRecord({ ...base, userId }, 16),
      { code: 'X05_ENCODE', layout: '16-byte attendance record', field: 'userId', value: userId },
      JSON.stringify(userId),
    );
  }
  t.same(encodeAttlogRecord({ ...base, userId: '4294967295' }, 16).subarray(0, 4), hex('ff ff ff ff'));
});

t.test('mirror over generated records (fast-check)', async (t) => {
  const wall = fc
    .record({
      year: fc.integer({ min: 2000, max: 2099 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
    })
    .map((w) => formatWallTime(w));
  const byte = fc.integer({ min: 0, max: 255 });
  const printable = fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 23,
  });
  const gen: Record<AttlogRecordSize, fc.Arbitrary<AttlogRecord>> = {
    40: fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      userId: printable,
      verify: byte,
      punch: byte,
      deviceTime: wall,
      workcode: fc.constant(0),
    }),
    16: fc.record({
      uid: fc.constant(0),
      userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
      verify: byte,
      punch: byte,
      deviceTime: wall,
      workcode: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    49: fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      userId: printable,
      verify: byte,
      punch: byte,
      deviceTime: wall,
      workcode: fc.integer({ min: 0, max: 0xffffffff }),
    }),
    22: fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      userId: printable.filter((u) => u.length <= 6),
      verify: byte,
      punch: byte,
      deviceTime: wall,
      workcode: fc.constant(0),
    }),
    8: fc
      .record({ uid: fc.integer({ min: 0, max: 0xffff }), verify: byte, punch: byte, deviceTime: wall })
      .map((r) => ({ ...r, userId: String(r.uid), workcode: 0 })),
  };
  for (const size of [40, 49, 22, 16, 8] as const) {
    fc.assert(
      fc.property(gen[size], (r) => {
        const b = encodeAttlogRecord(r, size);
        return b.length === size && isDeepStrictEqual(decodeAttlogRecord(b, size), { ...r });
      }),
      { numRuns: 1000 },
    );
    t.pass(`${size}-byte: 1000 records survive encode → decode`);
  }
});

t.test('22-byte record (AK3750WIFI_TFT, zk-tcp.md §11.3a), bytes from the builder', async (t) => {
  const b = bytes(u16(7), chars('1001', 6), u32(0), u8(15), u32(0x2e5ef9b5), u8(1), u32(0));
  t.equal(b.length, 22);
  t.same(decodeAttlogRecord(b, 22), {
    uid: 7,
    userId: '1001',
    verify: 15,
    punch: 1,
    deviceTime: '2024-03-15T08:30:45',
    workcode: 0,
  });
  t.same(encodeAttlogRecord(decodeAttlogRecord(b, 22), 22), b, 'mirror');
});

t.test('49-byte record (SpeedFace-V5L, §11.3): the 40-byte layout plus 9 bytes, workcode @40', async (t) => {
  const b = bytes(
    hex('07 00 31 30 30 31 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0f b5 f9 5e 2e 01'),
    new Uint8Array(8),
    u32(42),
    new Uint8Array(5),
  );
  t.equal(b.length, 49);
  t.same(decodeAttlogRecord(b, 49), {
    uid: 7,
    userId: '1001',
    verify: 15,
    punch: 1,
    deviceTime: '2024-03-15T08:30:45',
    workcode: 42,
  });
  t.same(encodeAttlogRecord(decodeAttlogRecord(b, 49), 49), b, 'mirror');
});
