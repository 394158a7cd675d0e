import { Parser } from 'binary-parser';
import { ByteWriter } from '../bytes/byte-writer.js';
import { EncodeError, RecordError } from '../errors.js';
import { CStringTable, cString } from './c-string.js';
import { encodePackedTime, PackedTimeText, parseWallTime } from './time.js';

/** One attendance record from the device log (zk-tcp §11). */
export interface AttlogRecord {
  /** Internal slot number; the only identity in 8-byte records. */
  uid: number;
  /** Enrolment number as printed on the terminal (string: leading zeros and letters occur). */
  userId: string;
  verify: number;
  /** Punch state: 0 in, 1 out, 2 break out, 3 break in, 4 OT in, 5 OT out, 255 none. */
  punch: number;
  /** Naive device wall time `YYYY-MM-DDTHH:MM:SS`. */
  deviceTime: string;
  workcode: number;
}

export type AttlogRecordSize = 40 | 49 | 22 | 16 | 8;
/** Inference candidates in order of preference (zk-tcp §11.1). */
export const ATTLOG_RECORD_SIZES: readonly AttlogRecordSize[] = [40, 49, 22, 16, 8];

// 16 bytes (extended log): numeric PIN, packed time, state @8, verify @9, 2 reserved, workcode (§11.4)
const record16 = new Parser()
  .endianness('little')
  .uint32('pin')
  .uint32('time')
  .uint8('punch')
  .uint8('verify')
  .seek(2)
  .uint32('workcode');

// 22 bytes (AK3750WIFI_TFT / WL10, one source): uid, char[6] user_id, 4 zero bytes, flag @12 (verify?),
// packed time @13, state @17, 4 zero bytes (§11.3a)
const record22 = new Parser()
  .endianness('little')
  .uint16('uid')
  .buffer('userId', { length: 6, formatter: cString as never })
  .seek(4)
  .uint8('verify')
  .uint32('time')
  .uint8('punch')
  .seek(4);

// 8 bytes (old ZK6 firmware, pyzk layout): uid, verify, packed time, state (§11.5)
const record8 = new Parser().endianness('little').uint16('uid').uint8('verify').uint32('time').uint8('punch');

interface Raw16 {
  pin: number;
  time: number;
  punch: number;
  verify: number;
  workcode: number;
}
interface Raw8 {
  uid: number;
  verify: number;
  time: number;
  punch: number;
}

/** One record's fields as laid out on the wire, before the checks that make it a punch. */
export interface AttlogFields {
  uid: number;
  userId: string;
  verify: number;
  punch: number;
  /** Packed time (§10). */
  time: number;
  workcode: number;
}

/** A fields holder for readAttlogFields to fill, one per dataset rather than one per record. */
export const attlogFields = (): AttlogFields => ({
  uid: 0,
  userId: '',
  verify: 0,
  punch: 0,
  time: 0,
  workcode: 0,
});

/**
 * Reads the `size`-byte record at `at` of `bytes` into `f`, its user id through the dataset's `userIds`. The 40-byte layout (TFT firmware: uid, char[24]
 * user_id up to the first NUL, verify @26, packed time @27, state @31, 8 reserved, §11.2) and its 49-byte
 * SpeedFace-V5L form (9 unknown bytes after it; one fork reads a u32 workcode @40, §11.3) are read field by
 * field in place rather than with binary-parser like the rarer layouts: its per-record view and result
 * object cost most of the decode time of a full download, the layout nearly every terminal uses
 * (bench/decode.ts: 100,000 records, see docs/benchmarks.md).
 */
export function readAttlogFields(
  bytes: Buffer,
  at: number,
  size: AttlogRecordSize,
  f: AttlogFields,
  userIds: CStringTable,
): void {
  if (size === 40 || size === 49) {
    f.uid = bytes.readUInt16LE(at);
    f.userId = userIds.read(bytes, at + 2, at + 26);
    f.verify = bytes[at + 26]!;
    f.punch = bytes[at + 31]!;
    f.time = bytes.readUInt32LE(at + 27);
    f.workcode = size === 49 ? bytes.readUInt32LE(at + 40) : 0;
  } else if (size === 22) {
    const r = record22.parse(bytes.subarray(at, at + size)) as Omit<AttlogFields, 'workcode'>;
    f.uid = r.uid;
    f.userId = r.userId;
    f.verify = r.verify;
    f.punch = r.punch;
    f.time = r.time;
    f.workcode = 0;
  } else if (size === 16) {
    const r = record16.parse(bytes.subarray(at, at + size)) as Raw16;
    f.uid = 0;
    f.userId = String(r.pin);
    f.verify = r.verify;
    f.punch = r.punch;
    f.time = r.time;
    f.workcode = r.workcode;
  } else {
    const r = record8.parse(bytes.subarray(at, at + size)) as Raw8;
    f.uid = r.uid;
    f.userId = String(r.uid);
    f.verify = r.verify;
    f.punch = r.punch;
    f.time = r.time;
    f.workcode = 0;
  }
}

/** Non-empty, printable ASCII, no space: a loop, not a regular expression, as it runs once per record. */
function isPrintableId(id: string): boolean {
  if (id.length === 0) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * The device_time of fields read from the record at `offset` of `bytes`. A date that cannot exist (the
 * packed form can say 30 February) is kept as written: the terminal holds that punch, and whoever places
 * it in time judges it. Throws RecordError for a record that cannot be a punch at all (an empty or
 * unprintable user id), so the caller rejects that one record and keeps the rest (zk-tcp §15).
 */
export function attlogDeviceTime(
  f: AttlogFields,
  times: PackedTimeText,
  bytes: Buffer,
  at: number,
  size: AttlogRecordSize,
  index: number,
  offset: number,
): string {
  if (!isPrintableId(f.userId)) {
    throw new RecordError(
      index,
      offset,
      bytes.subarray(at, at + size),
      `user id ${JSON.stringify(f.userId)} is empty or unprintable`,
    );
  }
  return times.text(f.time);
}

/**
 * Decodes one record. Throws RecordError for a record that cannot be a punch (an empty or unprintable user
 * id), so the caller rejects that one record and keeps the rest (zk-tcp §15).
 */
export function decodeAttlogRecord(
  bytes: Buffer,
  size: AttlogRecordSize,
  index = 0,
  offset = 0,
): AttlogRecord {
  // binary-parser would throw a bare RangeError on a short slice (e.g. a dataset's trailing bytes)
  if (bytes.length < size)
    throw new RecordError(index, offset, bytes, `${bytes.length} bytes, a ${size}-byte record needs ${size}`);
  const f = attlogFields();
  readAttlogFields(bytes, 0, size, f, new CStringTable());
  const deviceTime = attlogDeviceTime(f, new PackedTimeText(), bytes, 0, size, index, offset);
  return {
    uid: f.uid,
    userId: f.userId,
    verify: f.verify,
    punch: f.punch,
    deviceTime,
    workcode: f.workcode,
  };
}

export function encodeAttlogRecord(rec: AttlogRecord, size: AttlogRecordSize): Buffer {
  const layout = `${size}-byte attendance record`;
  const wall = parseWallTime(rec.deviceTime);
  if (!wall) throw new EncodeError(layout, 'deviceTime', rec.deviceTime, 'is not YYYY-MM-DDTHH:MM:SS');
  const time = encodePackedTime(wall);
  const w = new ByteWriter(size, layout);
  if (size === 40 || size === 49) {
    w.u16(0, rec.uid, 'uid').text(2, 24, rec.userId, 'userId').u8(26, rec.verify, 'verify');
    w.u32(27, time, 'deviceTime').u8(31, rec.punch, 'punch');
    if (size === 49) w.u32(40, rec.workcode, 'workcode');
  } else if (size === 22) {
    w.u16(0, rec.uid, 'uid').text(2, 6, rec.userId, 'userId').u8(12, rec.verify, 'verify');
    w.u32(13, time, 'deviceTime').u8(17, rec.punch, 'punch');
  } else if (size === 16) {
    // the layout carries a PIN: Number('A12') is NaN, which a bare writeUInt32LE silently writes as 0
    w.digits(0, 4, rec.userId, 'userId').u32(4, time, 'deviceTime').u8(8, rec.punch, 'punch');
    w.u8(9, rec.verify, 'verify').u32(12, rec.workcode, 'workcode');
  } else {
    w.u16(0, rec.uid, 'uid').u8(2, rec.verify, 'verify').u32(3, time, 'deviceTime').u8(7, rec.punch, 'punch');
  }
  return w.bytes;
}
