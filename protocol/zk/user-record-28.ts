import { Parser } from 'binary-parser';
import { ByteWriter } from '../bytes/byte-writer.js';
import { RecordError } from '../errors.js';
import { cString } from './c-string.js';
import { decodeUserRecord, USER_RECORD_SIZE, type UserRecord } from './user-record.js';

/** The old "ZK6" user layout, the manual's `TUser` (zk-tcp §13); UDP-era terminals send it. */
export const USER_RECORD_28_SIZE = 28;

export type UserRecordSize = 28 | 72;

// u16 uid, u8 privilege, char[5] password @3, char[8] name @8, u32 card @16 + 1 pad (pyzk), u8 group @21,
// u16 timezone bits @22, u32 user_id (PIN2) @24 — the user id is a number in this layout
const user28 = new Parser()
  .endianness('little')
  .uint16('uid')
  .uint8('privilege')
  .buffer('password', { length: 5, formatter: cString as never })
  .buffer('name', { length: 8, formatter: cString as never })
  .uint32('card')
  .seek(1)
  .uint8('group')
  .uint16('timezones')
  .uint32('pin');

interface Raw28 {
  uid: number;
  privilege: number;
  password: string;
  name: string;
  card: number;
  group: number;
  pin: number;
}

export function decodeUserRecord28(bytes: Buffer, index = 0, offset = 0): UserRecord {
  if (bytes.length < USER_RECORD_28_SIZE)
    throw new RecordError(index, offset, bytes, `${bytes.length} bytes, a 28-byte user record needs 28`);
  const r = user28.parse(bytes) as Raw28;
  return {
    uid: r.uid,
    privilege: r.privilege,
    password: r.password,
    name: r.name,
    card: r.card,
    group: r.group,
    userId: String(r.pin),
  };
}

export function encodeUserRecord28(u: UserRecord): Buffer {
  return new ByteWriter(USER_RECORD_28_SIZE, '28-byte user record')
    .u16(0, u.uid, 'uid')
    .u8(2, u.privilege, 'privilege')
    .text(3, 5, u.password, 'password')
    .text(8, 8, u.name, 'name')
    .u32(16, u.card, 'card')
    .u8(21, u.group, 'group')
    .digits(24, 4, u.userId, 'userId').bytes;
}

/**
 * Size = dataset length ÷ user count (GET_FREE_SIZES offset 16, §13). With no usable count: 72 when it
 * divides (the TCP default, pyzk), else 28.
 */
export function inferUserRecordSize(length: number, count?: number): UserRecordSize {
  if (count && count > 0 && (length / count === 28 || length / count === 72))
    return (length / count) as UserRecordSize;
  return length % USER_RECORD_SIZE === 0 ? 72 : 28;
}

export interface DecodedUsers {
  recordSize: UserRecordSize;
  users: UserRecord[];
  rejected: RecordError[];
}

/**
 * The records of a users dataset in either layout. AK3750 firmware interleaves fingerprint slots
 * (privilege 0x31, no name) with users: those are skipped (§13).
 */
export function decodeUserTable(recordBytes: Buffer, count?: number, forced?: UserRecordSize): DecodedUsers {
  const recordSize = forced ?? inferUserRecordSize(recordBytes.length, count);
  const users: UserRecord[] = [];
  const rejected: RecordError[] = [];
  const n = Math.floor(recordBytes.length / recordSize);
  for (let i = 0; i < n; i++) {
    const at = i * recordSize;
    const b = recordBytes.subarray(at, at + recordSize);
    const u = recordSize === 72 ? decodeUserRecord(b, i, at) : decodeUserRecord28(b, i, at);
    if (u.privilege === 0x31 && u.name === '') continue;
    users.push(u);
  }
  if (n * recordSize < recordBytes.length)
    rejected.push(
      new RecordError(
        n,
        n * recordSize,
        recordBytes.subarray(n * recordSize),
        'trailing bytes in users dataset',
      ),
    );
  return { recordSize, users, rejected };
}

/** A users dataset in the given layout: u32 length of the records, then the records (§9.6). */
export function encodeUserDataset28(users: readonly UserRecord[]): Buffer {
  const out = Buffer.alloc(4 + users.length * USER_RECORD_28_SIZE);
  out.writeUInt32LE(users.length * USER_RECORD_28_SIZE, 0);
  users.forEach((u, i) => {
    encodeUserRecord28(u).copy(out, 4 + i * USER_RECORD_28_SIZE);
  });
  return out;
}
