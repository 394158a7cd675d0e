/**
 * User records, 72 bytes (zk-tcp §13, vectors.md §10): real users from four devices; decode / encode /
 * mirror, the published-order trap, typed errors. (`protocol/zk/user-record.ts` decodes the fields the
 * gateway needs: no timezones, no 28-byte layout.)
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import {
  decodeUserRecord,
  decodeUserRecords,
  encodeUserDataset,
  encodeUserRecord,
  USER_RECORD_SIZE,
  type UserRecord,
} from '../../protocol/zk/user-record.js';
import { bytes, chars, hex, readHexFixture, readJsonFixture, u16, u32 } from '../helpers/zk-bytes.js';

interface JsonUser {
  uid: number;
  privilege: number;
  password: string;
  name: string;
  card: number;
  group_byte39: number;
  tz_flag: number;
  timezones: number[];
  user_id: string;
}

const fromJson = (u: JsonUser): UserRecord => ({
  uid: u.uid,
  privilege: u.privilege,
  password: u.password,
  name: u.name,
  card: u.card,
  group: u.group_byte39,
  userId: u.user_id,
});

interface UserCase {
  name: string;
  wire: Buffer;
  user: UserRecord;
  /** What the encoder writes where the wire holds bytes the decoded type does not keep. */
  encoded?: Buffer;
}

const f19User = hex(`
  0d 00                                   // uid 13
  00                                      // privilege 0
  34 34 34 00 c6 9a 80 7c                 // password "444", junk after the NUL
  4e 65 64 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00     // name "Ned" (24 bytes @11)
  de 00 00 00                             // card 0xDE @35
  02                                      // group @39
  01 00                                   // timezone flag @40
  01 00 02 00 00 00                       // timezones 1, 2, 0 @42
  35 35 35 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00     // user_id "555" @48`);

const f19Write = hex(
  '0e0006313233343536007c4e7565766f000000000000000000000000000000000000008f190000010000000000000000313132323434383800000000000000000000000000000000',
);

const cases: UserCase[] = [
  {
    name: 'real F19 user (adrobinoga data-user.md)',
    wire: f19User,
    user: { uid: 13, privilege: 0, password: '444', name: 'Ned', card: 0xde, group: 2, userId: '555' },
    // junk after the password's NUL and the timezone bytes @40–47 are not kept: zeros on encode
    encoded: Buffer.concat([
      f19User.subarray(0, 7),
      Buffer.alloc(4),
      f19User.subarray(11, 40),
      Buffer.alloc(8),
      f19User.subarray(48),
    ]),
  },
  {
    name: 'real ZKAccess USER_WRQ payload: manager (privilege 6), card 6543',
    wire: f19Write,
    user: {
      uid: 14,
      privilege: 6,
      password: '123456',
      name: 'Nuevo',
      card: 6543,
      group: 1,
      userId: '11224488',
    },
    encoded: Buffer.concat([f19Write.subarray(0, 10), Buffer.alloc(1), f19Write.subarray(11)]),
  },
  {
    name: 'builder: Cyrillic name bytes kept as latin1, fields filled to the last byte (no NUL)',
    wire: bytes(
      u16(300),
      [14],
      chars('12345678', 8),
      [0xc8, 0xe2, 0xe0, 0xed], // "Иван" in cp1251
      new Array(20).fill(0),
      u32(0x00c0ffee),
      [3],
      new Array(8).fill(0),
      chars('ABCDEFGHIJKLMNOPQRSTUVWX', 24),
    ),
    user: {
      uid: 300,
      privilege: 14,
      password: '12345678',
      name: '\xc8\xe2\xe0\xed',
      card: 0x00c0ffee,
      group: 3,
      userId: 'ABCDEFGHIJKLMNOPQRSTUVWX',
    },
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(c.wire.length, USER_RECORD_SIZE);
    t.same(decodeUserRecord(c.wire), c.user, 'decode');
    t.same(encodeUserRecord(c.user), c.encoded ?? c.wire, 'encode');
    t.same(decodeUserRecord(encodeUserRecord(c.user)), c.user, 'mirror');
  });
}

t.test('the F19 fixtures’ json agrees with the cases', async (t) => {
  const rec = readJsonFixture<{ expected: { user_72: JsonUser } }>('adrobinoga-f19-records');
  const line = readHexFixture('adrobinoga-f19-records')[2]!;
  t.same(line.bytes, f19User, 'the .hex line is the vectors.md user');
  t.same(decodeUserRecord(line.bytes), fromJson(rec.expected.user_72));
  const frames = readJsonFixture<{
    expected: { frames: Array<{ cmd: number; data_hex?: string; user?: JsonUser }> };
  }>('adrobinoga-f19-frames');
  const write = frames.expected.frames.find((f) => f.cmd === 8)!;
  t.same(hex(write.data_hex!), f19Write);
  t.same(decodeUserRecord(f19Write), fromJson(write.user!));
});

t.test('a field longer than its slot is refused on encode', async (t) => {
  const u = { uid: 1, privilege: 0, password: '', name: '', card: 0, group: 0, userId: '1' };
  t.throws(() => encodeUserRecord({ ...u, userId: 'x'.repeat(25) }));
  t.throws(() => encodeUserRecord({ ...u, password: '123456789' }));
  t.throws(() => encodeUserRecord({ ...u, name: 'n'.repeat(25) }));
});

t.test('fewer than 72 bytes is a RecordError, not a RangeError', async (t) => {
  for (const n of [0, 1, 48, 71]) {
    t.throws(
      () => decodeUserRecord(Buffer.alloc(n, 0x31), 2, 144),
      { code: 'X05_RECORD', index: 2, offset: 144 },
      `${n} bytes`,
    );
  }
});

t.test('user dataset: u32 length, then the records', async (t) => {
  const users = cases.map((c) => c.user);
  const ds = encodeUserDataset(users);
  t.equal(ds.readUInt32LE(0), 3 * 72);
  t.same(ds.subarray(4 + 72, 4 + 144), cases[1]!.encoded);
  t.same(decodeUserRecords(ds.subarray(4)), users);
  t.same(
    decodeUserRecords(Buffer.concat([ds.subarray(4), hex('0102')])),
    users,
    'trailing partial record dropped',
  );
  t.same(encodeUserDataset([]), hex('00000000'));
});

t.test('mirror over generated users (fast-check)', async (t) => {
  const text = (max: number) =>
    fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
  const userArb = fc.record({
    uid: fc.integer({ min: 0, max: 0xffff }),
    privilege: fc.integer({ min: 0, max: 255 }),
    password: text(8),
    name: text(24),
    card: fc.integer({ min: 0, max: 0xffffffff }),
    group: fc.integer({ min: 0, max: 255 }),
    userId: text(24),
  });
  fc.assert(
    fc.property(userArb, (u) => isDeepStrictEqual(decodeUserRecord(encodeUserRecord(u)), { ...u })),
    { numRuns: 2000 },
  );
  t.pass('2000 users survive encode → decode');
});
