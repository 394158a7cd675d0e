import { Parser } from 'binary-parser';
import { ByteWriter } from '../bytes/byte-writer.js';
import { RecordError } from '../errors.js';
import { cString } from './c-string.js';

/** One user from the device's user table, 72-byte TCP layout (zk-tcp §13). */
export interface UserRecord {
  /** Internal slot number. */
  uid: number;
  /** Bit 0 disabled; bits 1–3 level: 0 user, 2 enroller, 6 manager, 14 super-admin. */
  privilege: number;
  password: string;
  name: string;
  card: number;
  group: number;
  /** Enrolment number as printed on the terminal, the identity punches carry. */
  userId: string;
}

export const USER_RECORD_SIZE = 72;

// uid, privilege, char[8] password @3, char[24] name @11, u32 card @35, u8 group @39 (adrobinoga, zklib-ts;
// pyzk's group string @40 is likely wrong, §13), 8 bytes of timezone data @40, char[24] user_id @48
const user72 = new Parser()
  .endianness('little')
  .uint16('uid')
  .uint8('privilege')
  .buffer('password', { length: 8, formatter: cString as never })
  .buffer('name', { length: 24, formatter: cString as never })
  .uint32('card')
  .uint8('group')
  .seek(8)
  .buffer('userId', { length: 24, formatter: cString as never });

/** Throws RecordError for fewer than 72 bytes (binary-parser would throw a bare RangeError). */
export function decodeUserRecord(bytes: Buffer, index = 0, offset = 0): UserRecord {
  if (bytes.length < USER_RECORD_SIZE)
    throw new RecordError(
      index,
      offset,
      bytes,
      `${bytes.length} bytes, a user record needs ${USER_RECORD_SIZE}`,
    );
  return user72.parse(bytes) as UserRecord;
}

/** Text fields are NUL-padded; one that fills its field has no NUL, as on the device (§13). */
export function encodeUserRecord(u: UserRecord): Buffer {
  return new ByteWriter(USER_RECORD_SIZE, '72-byte user record')
    .u16(0, u.uid, 'uid')
    .u8(2, u.privilege, 'privilege')
    .text(3, 8, u.password, 'password')
    .text(11, 24, u.name, 'name')
    .u32(35, u.card, 'card')
    .u8(39, u.group, 'group')
    .text(48, 24, u.userId, 'userId').bytes;
}

/** A users dataset as the device sends it: u32 length of the records, then the records (zk-tcp §9.6). */
export function encodeUserDataset(users: readonly UserRecord[]): Buffer {
  const out = Buffer.alloc(4 + users.length * USER_RECORD_SIZE);
  out.writeUInt32LE(users.length * USER_RECORD_SIZE, 0);
  users.forEach((u, i) => {
    encodeUserRecord(u).copy(out, 4 + i * USER_RECORD_SIZE);
  });
  return out;
}

/** Records of a users dataset (after its u32 length prefix). */
export function decodeUserRecords(recordBytes: Buffer): UserRecord[] {
  const out: UserRecord[] = [];
  for (let at = 0; at + USER_RECORD_SIZE <= recordBytes.length; at += USER_RECORD_SIZE)
    out.push(decodeUserRecord(recordBytes.subarray(at, at + USER_RECORD_SIZE)));
  return out;
}
