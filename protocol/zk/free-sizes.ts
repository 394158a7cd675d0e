import { ByteWriter } from '../bytes/byte-writer.js';
/**
 * GET_FREE_SIZES answer: an array of u32 counters (zk-tcp §8). Lengths vary by firmware (4, 80, 92, 112
 * bytes), so a field past the received length is unknown (undefined), never 0.
 */
export interface FreeSizes {
  users?: number;
  fingerprints?: number;
  records?: number;
  oplogs?: number;
  admins?: number;
  passwords?: number;
  fingerprintCapacity?: number;
  userCapacity?: number;
  recordCapacity?: number;
  fingerprintsRemaining?: number;
  usersRemaining?: number;
  recordsRemaining?: number;
  faces?: number;
  faceCapacity?: number;
}

const OFFSETS: ReadonlyArray<[keyof FreeSizes, number]> = [
  ['users', 16],
  ['fingerprints', 24],
  ['records', 32],
  ['oplogs', 40],
  ['admins', 48],
  ['passwords', 52],
  ['fingerprintCapacity', 56],
  ['userCapacity', 60],
  ['recordCapacity', 64],
  ['fingerprintsRemaining', 68],
  ['usersRemaining', 72],
  ['recordsRemaining', 76],
  ['faces', 80],
  ['faceCapacity', 88],
];

export function decodeFreeSizes(data: Buffer): FreeSizes {
  const out: FreeSizes = {};
  for (const [key, at] of OFFSETS) if (at + 4 <= data.length) out[key] = data.readUInt32LE(at);
  return out;
}

/** The 80-byte form (92 when faces are given). */
export function encodeFreeSizes(s: FreeSizes): Buffer {
  const withFaces = s.faces !== undefined || s.faceCapacity !== undefined;
  const size = withFaces ? 92 : 80;
  const w = new ByteWriter(size, 'free sizes');
  for (const [key, at] of OFFSETS) {
    const v = s[key];
    if (v !== undefined && at + 4 <= size) w.u32(at, v, key);
  }
  return w.bytes;
}
