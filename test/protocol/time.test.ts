/** Time codecs (zk-tcp §10, vectors.md §4): packed u32, 6-byte realtime form, calendar validation. */
import fc from 'fast-check';
import t from 'tap';
import { decodeAttlogRecord } from '../../protocol/zk/attlog-record.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import {
  decodePackedTime,
  decodeTime6,
  encodePackedTime,
  encodeTime6,
  formatWallTime,
  PackedTimeText,
  parseWallTime,
  type WallTime,
  wallTimeProblem,
} from '../../protocol/zk/time.js';
import { bytes, chars, frame, hex, u16, u32 } from '../helpers/zk-bytes.js';

const w = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): WallTime => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
});

interface PackedCase {
  name: string;
  wall: WallTime;
  packed: number;
  /** LE bytes on the wire */
  le: string;
}

const packedCases: PackedCase[] = [
  { name: '2024-03-15 08:30:45', wall: w(2024, 3, 15, 8, 30, 45), packed: 777_976_245, le: 'b5 f9 5e 2e' },
  { name: 'epoch 2000-01-01 00:00:00', wall: w(2000, 1, 1, 0, 0, 0), packed: 0, le: '00 00 00 00' },
  {
    name: 'last instant 2099-12-31 23:59:59',
    wall: w(2099, 12, 31, 23, 59, 59),
    packed: 3_214_079_999,
    le: 'ff f7 92 bf',
  },
  {
    name: 'F19 event time 2018-06-25 17:41:05',
    wall: w(2018, 6, 25, 17, 41, 5),
    packed: 594_063_665,
    le: '31 b1 68 23',
  },
];

// Real packed values from device records (vectors.md §4): decode only
const realDecodes: Array<[string, number, string]> = [
  ['F19 40-byte record (§5.1)', 0x2368b36b, '2018-06-25T17:50:35'],
  ['js_zklib #50 16-byte record (§5.2)', 0x234f15ec, '2018-06-06T07:31:56'],
  ['pyzk #139 40-byte record', 0x29c9ebb8, '2021-10-24T13:42:16'],
  ['adrobinoga oplog example', 0x23689bc2, '2018-06-25T16:09:38'],
];

t.test('packed time, vectors', async (t) => {
  for (const c of packedCases) {
    t.test(c.name, async (t) => {
      t.same(decodePackedTime(c.packed), c.wall, 'decode');
      t.equal(encodePackedTime(c.wall), c.packed, 'encode');
      t.equal(hex(c.le).readUInt32LE(0), c.packed, 'LE bytes carry the value');
      t.same(decodePackedTime(encodePackedTime(c.wall)), c.wall, 'mirror');
    });
  }
});

t.test('packed time, real values decode', async (t) => {
  for (const [name, packed, text] of realDecodes)
    t.equal(formatWallTime(decodePackedTime(packed)), text, name);
});

t.test('31-day months: Feb 30 is encodable and decodable, and is not a real date (the trap)', async (t) => {
  const feb30 = w(2024, 2, 30, 0, 0, 0);
  t.equal(encodePackedTime(feb30), 776_563_200, 'packs without error (vectors.md §4)');
  t.equal(encodePackedTime(w(2024, 3, 1, 0, 0, 0)), 776_736_000, '2024-03-01 is two 31-day slots later');
  t.same(decodePackedTime(776_563_200), feb30, 'decodes without error');
  t.type(wallTimeProblem(feb30), 'string', 'but wallTimeProblem flags it');
  t.equal(wallTimeProblem(w(2024, 2, 29, 0, 0, 0)), undefined, 'Feb 29 2024 is real (leap year)');
  t.ok(wallTimeProblem(w(2023, 2, 29, 0, 0, 0)), 'Feb 29 2023 is not');
  t.ok(wallTimeProblem(w(2024, 4, 31, 12, 0, 0)), 'Apr 31 is not');
});

t.test('Feb 30 inside a record is kept as written in every layout', async (t) => {
  const feb30 = 776_563_200;
  // 40-byte: uid 7, "1001", verify 15 @26, time @27, state 1 @31, 8 reserved
  const r40 = bytes(u16(7), chars('1001', 24), [15], u32(feb30), [1], new Array(8).fill(0));
  t.equal(decodeAttlogRecord(r40, 40, 3, 120).deviceTime, '2024-02-30T00:00:00');
  // 16-byte: pin 1001, time, state, verify, reserved, workcode
  const r16 = bytes(u32(1001), u32(feb30), [1, 15], [0, 0], u32(0));
  t.equal(decodeAttlogRecord(r16, 16).deviceTime, '2024-02-30T00:00:00');
  // 8-byte: uid, verify, time, state
  const r8 = bytes(u16(7), [1], u32(feb30), [0]);
  t.equal(decodeAttlogRecord(r8, 8).deviceTime, '2024-02-30T00:00:00');
  // one day earlier (Feb 29, real)
  t.equal(
    decodeAttlogRecord(bytes(u16(7), [1], u32(feb30 - 86_400), [0]), 8).deviceTime,
    '2024-02-29T00:00:00',
  );
});

t.test('wallTimeProblem table', async (t) => {
  const cases: Array<[string, WallTime, boolean]> = [
    ['ordinary', w(2024, 3, 15, 8, 30, 45), false],
    ['month 0', w(2024, 0, 15, 8, 30, 45), true],
    ['month 13', w(2024, 13, 1, 0, 0, 0), true],
    ['day 0', w(2024, 1, 0, 0, 0, 0), true],
    ['day 32', w(2024, 1, 32, 0, 0, 0), true],
    ['Jun 31', w(2018, 6, 31, 0, 0, 0), true],
    ['Dec 31', w(2018, 12, 31, 23, 59, 59), false],
    ['hour 24', w(2024, 1, 1, 24, 0, 0), true],
    ['minute 60', w(2024, 1, 1, 0, 60, 0), true],
    ['second 60', w(2024, 1, 1, 0, 0, 60), true],
    ['2100 is not a leap year', w(2100, 2, 29, 0, 0, 0), true],
    ['2000 is a leap year', w(2000, 2, 29, 0, 0, 0), false],
    ['NaN month', w(2024, Number.NaN, 1, 0, 0, 0), true],
    ['NaN everywhere', w(Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN), true],
    ['fractional second', w(2024, 1, 1, 0, 0, 1.5), true],
  ];
  for (const [name, wall, bad] of cases) {
    const p = wallTimeProblem(wall);
    if (bad) t.type(p, 'string', name);
    else t.equal(p, undefined, name);
  }
});

t.test('6-byte realtime time (YY MM DD hh mm ss)', async (t) => {
  const cases: Array<[string, string, WallTime]> = [
    ['real F19 event (§6.1)', '12 06 19 11 29 05', w(2018, 6, 25, 17, 41, 5)],
    ['computed 2024-03-15 08:30:45', '18 03 0f 08 1e 2d', w(2024, 3, 15, 8, 30, 45)],
    ['real pyzk 12-byte event (§6.3)', '12 0c 07 13 09 06', w(2018, 12, 7, 19, 9, 6)],
  ];
  for (const [name, b, wall] of cases) {
    t.same(decodeTime6(hex(b)), wall, `${name}: decode`);
    t.same(encodeTime6(wall), hex(b), `${name}: encode`);
    t.same(decodeTime6(encodeTime6(wall)), wall, `${name}: mirror`);
  }
  // at an offset: the real F19 event payload has the time at data byte 26
  const payload = hex('393939313131333333000000000000000000000000000000 01 00 120619112905');
  t.same(decodeTime6(payload, 26), w(2018, 6, 25, 17, 41, 5));
  // 6-byte times carry no 31-day slots: an impossible one decodes and is flagged
  t.ok(wallTimeProblem(decodeTime6(hex('18 02 1e 00 00 00'))), '2024-02-30 in 6-byte form is flagged');
  // a payload too short for its time: the missing fields must not pass as a real instant
  t.type(wallTimeProblem(decodeTime6(hex('12 06 19'))), 'string', 'a 3-byte time is flagged');
  t.type(wallTimeProblem(decodeTime6(payload, 30)), 'string', 'a time read past the payload end is flagged');
});

t.test('GET_TIME answer carries the packed time (§4 shape)', async (t) => {
  const wire = frame({ command: 2000, session: 0x7d3d, replyId: 3, data: hex('b5 f9 5e 2e') });
  t.same(wire.subarray(0, 8), hex('50 50 82 7d 0c 00 00 00'));
  const [r] = new TcpFramer().push(wire);
  if (!r || !('packet' in r)) return t.fail('no packet');
  t.equal(formatWallTime(decodePackedTime(r.packet.data.readUInt32LE(0))), '2024-03-15T08:30:45');
});

t.test('wall time text form', async (t) => {
  t.equal(formatWallTime(w(2018, 6, 5, 7, 1, 9)), '2018-06-05T07:01:09');
  t.same(parseWallTime('2018-06-05T07:01:09'), w(2018, 6, 5, 7, 1, 9));
  t.same(parseWallTime('2018-06-05 07:01:09'), w(2018, 6, 5, 7, 1, 9), 'space separator as in vectors.md');
  t.equal(parseWallTime('2018-6-5 07:01:09'), undefined);
  t.equal(parseWallTime('2018-06-05T07:01'), undefined);
});

t.test('PackedTimeText: the text and problem of decodePackedTime, with its per-day cache', async (t) => {
  const times = new PackedTimeText();
  const check = (p: number, name: string) => {
    const wall = decodePackedTime(p);
    t.equal(times.problem(p), wallTimeProblem(wall), `${name}: problem`);
    if (!wallTimeProblem(wall)) t.equal(times.text(p), formatWallTime(wall), `${name}: text`);
  };
  check(777_976_245, '2024-03-15 08:30:45');
  check(777_976_245 + 3600, 'same day, an hour later');
  check(776_563_200, '2024-02-30: impossible');
  check(776_563_200 + 86_399, '2024-02-30 23:59:59: still impossible');
  check(776_563_200 + 86_400, '2024-02-31: the next day, impossible too');
  check(777_976_245, 'back to an earlier day');
  check(0, 'epoch');
  check(0xffffffff, 'largest u32');
  // any u32s in any order: day changes, repeats, and runs within one day
  const u32s = fc.array(
    fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 777_900_000, max: 778_100_000 })),
  );
  fc.assert(
    fc.property(u32s, (ps) => {
      const own = new PackedTimeText();
      return ps.every((p) => {
        const wall = decodePackedTime(p);
        const problem = wallTimeProblem(wall);
        return own.problem(p) === problem && (problem !== undefined || own.text(p) === formatWallTime(wall));
      });
    }),
  );
});
