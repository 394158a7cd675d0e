/**
 * Attendance datasets (zk-tcp §9.6, §11.1; vectors.md §5.4): the u32 length prefix, record-size inference
 * from the byte count and a record count that can be exact, 0 or stale, and per-record rejection.
 */
import t from 'tap';
import {
  decodeAttlogRecords,
  encodeAttlogDataset,
  inferRecordSize,
  slotBytes,
} from '../../protocol/zk/attlog-dataset.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import { bytes, chars, hex, u16, u32 } from '../helpers/zk-bytes.js';

const T0 = 777_976_245; // 2024-03-15 08:30:45 packed
const FEB30 = 776_563_200; // 2024-02-30 00:00:00 packed: impossible
const ids = ['1001', '1002', '17', '5', '999111333', '410213', '3', 'NB2401004'];

const rec40 = (uid: number, id: string, time = T0 + uid * 61, verify = 1, state = 0) =>
  bytes(u16(uid), chars(id, 24), [verify], u32(time), [state], new Array(8).fill(0));
const rec16 = (pin: number, time = T0 + pin * 61, state = 0, verify = 1) =>
  bytes(u32(pin), u32(time), [state, verify], [0, 0], u32(0));
const rec8 = (uid: number, time = T0 + uid * 61, verify = 1, state = 0) =>
  bytes(u16(uid), [verify], u32(time), [state]);

const many40 = (n: number, bad = -1) =>
  Buffer.concat(
    Array.from({ length: n }, (_, i) => rec40(i + 1, ids[i % ids.length]!, i === bad ? FEB30 : undefined)),
  );
const many16 = (n: number, pin0 = 1) => Buffer.concat(Array.from({ length: n }, (_, i) => rec16(pin0 + i)));
const many8 = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => rec8(i + 1)));

t.test('dataset framing: u32 record bytes, then the records (vectors.md §5.4)', async (t) => {
  const a = hex(`07 00 31 30 30 31 00 00 00 00 00 00 00 00 00 00
                 00 00 00 00 00 00 00 00 00 00 0f b5 f9 5e 2e 01
                 00 00 00 00 00 00 00 00`);
  const b = rec40(1, '10036', 0x29c9ebb8, 15, 0);
  const wire = Buffer.concat([hex('50 00 00 00'), a, b]);
  const records = [
    { uid: 7, userId: '1001', verify: 15, punch: 1, deviceTime: '2024-03-15T08:30:45', workcode: 0 },
    { uid: 1, userId: '10036', verify: 15, punch: 0, deviceTime: '2021-10-24T13:42:16', workcode: 0 },
  ];
  t.same(encodeAttlogDataset(records, 40), wire, 'encode');
  t.equal(wire.readUInt32LE(0), wire.length - 4, 'prefix = dataset size − 4');
  const decoded = decodeAttlogRecords(wire.subarray(4), 2);
  t.equal(decoded.recordSize, 40);
  t.same(
    decoded.records.map(({ index: _index, ...r }) => r),
    records,
    'decode',
  );
  t.same(
    decoded.records.map((r) => r.index),
    [0, 1],
    'each record knows its slot',
  );
  t.same(slotBytes(decoded, decoded.records[1]!.index), b, 'each record’s slot holds its raw bytes');
  t.same(decoded.rejected, []);
  t.same(encodeAttlogDataset([], 16), hex('00 00 00 00'), 'empty dataset');
});

t.test('real dataset start, node-zklib #19: 1360 bytes = 34 × 40, count 34', async (t) => {
  // Only the first 13 bytes are published (`50 05 00 00 2c 00 34 31 30 32 31 33 00 …`); the rest of the first
  // record and the other 33 records are built here to make the length real.
  const head = hex('50 05 00 00 2c 00 34 31 30 32 31 33 00');
  const first = Buffer.concat([head.subarray(4), rec40(44, '410213').subarray(9)]);
  const records = Buffer.concat([
    first,
    ...Array.from({ length: 33 }, (_, i) => rec40(i + 45, String(410214 + i))),
  ]);
  t.equal(head.readUInt32LE(0), 1360);
  t.equal(records.length, 1360);
  t.equal(inferRecordSize(records, 34), 40, '1360 also divides by 16 and 8; the count settles it');
  const d = decodeAttlogRecords(records, 34);
  t.equal(d.records.length, 34);
  t.match(d.records[0], { uid: 44, userId: '410213' });
});

interface InferCase {
  name: string;
  records: Buffer;
  count: number | undefined;
  size: AttlogRecordSize;
}

const inferCases: InferCase[] = [
  // counts exact
  { name: '3 × 40 (120 bytes, also ÷ 8), count 3', records: many40(3), count: 3, size: 40 },
  { name: '5 × 16 (80 bytes, also ÷ 40 and ÷ 8), count 5', records: many16(5), count: 5, size: 16 },
  { name: '5 × 8 (40 bytes, also ÷ 40), count 5', records: many8(5), count: 5, size: 8 },
  { name: '4 × 8 (32 bytes, also ÷ 16), count 4', records: many8(4), count: 4, size: 8 },
  // count 0 / missing (AK3750 4-byte sizes reply, SpeedFace firmware)
  { name: '4 × 40 (160, ÷ 16 and ÷ 8), count 0', records: many40(4), count: 0, size: 40 },
  { name: '4 × 40, count missing', records: many40(4), count: undefined, size: 40 },
  { name: '5 × 16 (80, ÷ 40), count 0', records: many16(5), count: 0, size: 16 },
  {
    name: '5 × 16 with 7-digit PINs (id bytes 2–3 non-zero), count 0',
    records: many16(5, 4_822_257),
    count: 0,
    size: 16,
  },
  { name: '6 × 8 (48, ÷ 16), count 0', records: many8(6), count: 0, size: 8 },
  // stale count: a punch between GET_FREE_SIZES and the read, or one fewer
  { name: '4 × 40, stale count 3', records: many40(4), count: 3, size: 40 },
  { name: '4 × 40, stale count 5', records: many40(4), count: 5, size: 40 },
  { name: '5 × 16, stale count 4', records: many16(5), count: 4, size: 16 },
  { name: '5 × 16, stale count 6', records: many16(5), count: 6, size: 16 },
  { name: '6 × 8, stale count 5', records: many8(6), count: 5, size: 8 },
  // 40-byte records whose length is also divisible by 8 and 16
  { name: '2 × 40 (80 = 5 × 16 = 10 × 8), count 2', records: many40(2), count: 2, size: 40 },
  { name: '2 × 40 (80), count 0', records: many40(2), count: 0, size: 40 },
  { name: '6 × 40 (240 = 15 × 16 = 30 × 8), count 7', records: many40(6), count: 7, size: 40 },
  { name: '20 × 40 (800 = 50 × 16 = 100 × 8), count 0', records: many40(20), count: 0, size: 40 },
  // one impossible record must not flip the layout (regression: the count-less path picked 16)
  { name: 'one bad record: 4 × 40 with a Feb 30 at #2, count 3', records: many40(4, 2), count: 3, size: 40 },
  { name: 'one bad record: 4 × 40 with a Feb 30 at #0, count 0', records: many40(4, 0), count: 0, size: 40 },
  {
    name: 'one bad record: 8 × 40 with a Feb 30 at #1, count missing',
    records: many40(8, 1),
    count: undefined,
    size: 40,
  },
  { name: 'one bad record: 4 × 40 with a Feb 30 at #3, count 5', records: many40(4, 3), count: 5, size: 40 },
  // no layout divides: default 40
  { name: '41 bytes', records: Buffer.concat([many40(1), Buffer.from([0])]), count: 1, size: 40 },
  { name: 'empty', records: Buffer.alloc(0), count: 0, size: 40 },
];

t.test('record-size inference', async (t) => {
  for (const c of inferCases) t.equal(inferRecordSize(c.records, c.count), c.size, c.name);
});

t.test('the inferred layout decodes every record', async (t) => {
  for (const c of inferCases.filter((c) => c.records.length > 0 && c.records.length % c.size === 0)) {
    const d = decodeAttlogRecords(c.records, c.count);
    // a record dated 30 February is still the terminal's punch: kept, judged implausible downstream
    t.equal(d.records.length, c.records.length / c.size, `${c.name}: records`);
    t.equal(d.rejected.length, 0, `${c.name}: rejected`);
  }
});

t.test('a forced size wins over the count', async (t) => {
  t.equal(inferRecordSize(many40(2), 2, 16), 16);
  const d = decodeAttlogRecords(many16(5), 2, 16);
  t.equal(d.recordSize, 16);
  t.equal(d.records.length, 5);
});

t.test('a record dated 30 February is kept as written, with its own raw bytes', async (t) => {
  const d = decodeAttlogRecords(many40(4, 2), 3);
  t.equal(d.recordSize, 40);
  t.same(
    d.records.map((r) => r.uid),
    [1, 2, 3, 4],
  );
  t.same(d.rejected, []);
  t.match(d.records[2]!.deviceTime, /^2024-02-30T/);
  t.same(
    d.records.map((r) => slotBytes(d, r.index)),
    [0, 1, 2, 3].map((slot) => many40(4, 2).subarray(slot * 40, slot * 40 + 40)),
    'each record’s raw bytes are its own slot’s',
  );
});

t.test('trailing bytes that do not fill a record are reported', async (t) => {
  const d = decodeAttlogRecords(Buffer.concat([many40(2), hex('01 02 03')]), 2);
  t.equal(d.records.length, 2);
  t.match(d.rejected, [{ code: 'X05_RECORD', index: 2, offset: 80, recordHex: '010203' }]);
});

t.test('byte-identical records are both kept (dedup is not the decoder’s job; js_zklib #50)', async (t) => {
  const same = rec16(13, 0x234f15ec + 1382); // 2018-06-06 07:54:58;
  const d = decodeAttlogRecords(Buffer.concat([same, same, rec16(14)]), 3);
  t.equal(d.recordSize, 16);
  t.equal(d.records.length, 3);
  t.same({ ...d.records[0], index: 1 }, d.records[1]);
});
