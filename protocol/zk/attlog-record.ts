import { Parser } from 'binary-parser';
import { RecordError } from '../errors.js';
import { cString } from './c-string.js';
import {
  decodePackedTime,
  encodePackedTime,
  formatWallTime,
  parseWallTime,
  wallTimeProblem,
} from './time.js';

/** One attendance record from the device log (zk-tcp.md §11). */
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

export type AttlogRecordSize = 40 | 16 | 8;
export const ATTLOG_RECORD_SIZES: readonly AttlogRecordSize[] = [40, 16, 8];

// 40 bytes (TFT firmware): uid, char[24] user_id, verify @26, packed time @27, state @31, 8 reserved (§11.2)
const record40 = new Parser()
  .endianness('little')
  .uint16('uid')
  .buffer('userId', { length: 24, formatter: cString as never })
  .uint8('verify')
  .uint32('time')
  .uint8('punch')
  .seek(8);

// 16 bytes (extended log): numeric PIN, packed time, state @8, verify @9, 2 reserved, workcode (§11.4)
const record16 = new Parser()
  .endianness('little')
  .uint32('pin')
  .uint32('time')
  .uint8('punch')
  .uint8('verify')
  .seek(2)
  .uint32('workcode');

// 8 bytes (old ZK6 firmware, pyzk layout): uid, verify, packed time, state (§11.5)
const record8 = new Parser().endianness('little').uint16('uid').uint8('verify').uint32('time').uint8('punch');

interface Raw40 {
  uid: number;
  userId: string;
  verify: number;
  time: number;
  punch: number;
}
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

/**
 * Decodes one record. Throws RecordError for a record that cannot be a punch (impossible date, empty or
 * unprintable user id), so the caller rejects that one record and keeps the rest (zk-tcp.md §15).
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
  let rec: { uid: number; userId: string; verify: number; punch: number; time: number; workcode: number };
  if (size === 40) {
    const r = record40.parse(bytes) as Raw40;
    rec = { ...r, workcode: 0 };
  } else if (size === 16) {
    const r = record16.parse(bytes) as Raw16;
    rec = {
      uid: 0,
      userId: String(r.pin),
      verify: r.verify,
      punch: r.punch,
      time: r.time,
      workcode: r.workcode,
    };
  } else {
    const r = record8.parse(bytes) as Raw8;
    rec = { ...r, userId: String(r.uid), workcode: 0 };
  }
  const wall = decodePackedTime(rec.time);
  const problem = wallTimeProblem(wall);
  if (problem) throw new RecordError(index, offset, bytes, `impossible time (${problem})`);
  if (rec.userId === '' || !/^[\x21-\x7e]+$/.test(rec.userId)) {
    throw new RecordError(
      index,
      offset,
      bytes,
      `user id ${JSON.stringify(rec.userId)} is empty or unprintable`,
    );
  }
  return {
    uid: rec.uid,
    userId: rec.userId,
    verify: rec.verify,
    punch: rec.punch,
    deviceTime: formatWallTime(wall),
    workcode: rec.workcode,
  };
}

export function encodeAttlogRecord(rec: AttlogRecord, size: AttlogRecordSize): Buffer {
  const wall = parseWallTime(rec.deviceTime);
  if (!wall) throw new TypeError(`deviceTime ${rec.deviceTime} is not YYYY-MM-DDTHH:MM:SS`);
  const time = encodePackedTime(wall);
  const out = Buffer.alloc(size);
  if (size === 40) {
    out.writeUInt16LE(rec.uid, 0);
    out.write(rec.userId.slice(0, 23), 2, 'latin1');
    out[26] = rec.verify;
    out.writeUInt32LE(time, 27);
    out[31] = rec.punch;
  } else if (size === 16) {
    // the layout carries a u32 PIN: Number('A12') is NaN, which writeUInt32LE silently writes as 0
    const pin = /^\d{1,10}$/.test(rec.userId) ? Number(rec.userId) : Number.NaN;
    if (!(pin <= 0xffffffff)) throw new RangeError(`userId ${rec.userId} is not a u32 PIN (16-byte layout)`);
    out.writeUInt32LE(pin, 0);
    out.writeUInt32LE(time, 4);
    out[8] = rec.punch;
    out[9] = rec.verify;
    out.writeUInt32LE(rec.workcode, 12);
  } else {
    out.writeUInt16LE(rec.uid, 0);
    out[2] = rec.verify;
    out.writeUInt32LE(time, 3);
    out[7] = rec.punch;
  }
  return out;
}
