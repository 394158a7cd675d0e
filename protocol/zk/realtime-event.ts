import { ByteWriter } from '../bytes/byte-writer.js';
import { EncodeError, RecordError } from '../errors.js';
import { cString } from './c-string.js';
import { decodeTime6, encodeTime6, formatWallTime, parseWallTime, wallTimeProblem } from './time.js';

/**
 * Realtime events (zk-tcp §12): command 500, the session field carries the event code, reply id 0.
 * Only EF_ATTLOG turns into a punch; the other codes are kept as raw bytes.
 */
export const EventFlag = {
  ATTLOG: 1,
  FINGER: 2,
  ENROLLUSER: 4,
  ENROLLFINGER: 8,
  BUTTON: 16,
  UNLOCK: 32,
  VERIFY: 128,
  FPFTR: 256,
  ALARM: 512,
} as const;

/** How an EF_ATTLOG payload was read, named by its data length (zk-tcp §12 table). */
export type RealtimeLayout = 10 | 12 | 14 | 32 | 36 | 37 | 52 | 'prefix32';

export interface RealtimeAttlog {
  layout: RealtimeLayout;
  /** Enrolment number as text; the 10/14-byte forms carry a u16, the 12-byte one a u32. */
  userId: string;
  verify: number;
  /** Punch state, kept as sent (255 = no state). */
  punch: number;
  /** Naive device wall time `YYYY-MM-DDTHH:MM:SS` (6-byte form, §10). */
  deviceTime: string;
  /** The payload as received (audit; also the unknown tail of 36/37/≥52-byte and unknown lengths). */
  raw: Buffer;
}

/** Where user, verify, state and time sit for each known length. */
interface Shape {
  user: 'u16' | 'u32' | 'char24';
  verifyAt: number;
}
const shapes: Record<number, Shape> = {
  10: { user: 'u16', verifyAt: 2 },
  12: { user: 'u32', verifyAt: 4 },
  14: { user: 'u16', verifyAt: 2 },
  32: { user: 'char24', verifyAt: 24 },
  36: { user: 'char24', verifyAt: 24 },
  37: { user: 'char24', verifyAt: 24 },
};

function layoutOf(length: number): { layout: RealtimeLayout; shape: Shape } | undefined {
  const known = shapes[length];
  if (known) return { layout: length as RealtimeLayout, shape: known };
  if (length >= 52) return { layout: 52, shape: shapes[32]! };
  // unknown lengths: decode the 24+1+1+6 prefix when there is one (§12)
  if (length >= 32) return { layout: 'prefix32', shape: shapes[32]! };
  return undefined;
}

/** Two digits a field: a month 13 still has the shape of a time, a month 200 does not. */
const WALL_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/**
 * Decodes one EF_ATTLOG payload. Throws RecordError (index = 0, offset = the byte at fault) for a length
 * with no known layout, a time field that is no number or an empty user id, so the caller rejects that one
 * event.
 */
export function decodeRealtimeAttlog(data: Buffer): RealtimeAttlog {
  const found = layoutOf(data.length);
  if (!found)
    throw new RecordError(0, 0, data, `EF_ATTLOG payload of ${data.length} bytes has no known layout`);
  const { layout, shape } = found;
  const userId =
    shape.user === 'u16'
      ? String(data.readUInt16LE(0))
      : shape.user === 'u32'
        ? String(data.readUInt32LE(0))
        : cString(data.subarray(0, 24));
  const at = shape.verifyAt;
  const wall = decodeTime6(data, at + 2);
  // a field that is no number (too short a payload) or no two-digit number is not a time; one that
  // cannot exist (month 13, 30 February) is still the terminal's punch, kept as written and judged where
  // it is placed in time
  const problem = wallTimeProblem(wall);
  if (problem && !WALL_SHAPE.test(formatWallTime(wall)))
    throw new RecordError(0, at + 2, data, `impossible event time (${problem})`);
  if (userId === '' || !/^[\x21-\x7e]+$/.test(userId))
    throw new RecordError(0, 0, data, `user id ${JSON.stringify(userId)} is empty or unprintable`);
  return {
    layout,
    userId,
    verify: data[at]!,
    punch: data[at + 1]!,
    deviceTime: formatWallTime(wall),
    raw: Buffer.from(data),
  };
}

export interface RealtimeAttlogInput {
  userId: string;
  verify: number;
  punch: number;
  deviceTime: string;
}

/** The payload a terminal sends for `length` (simulator side); extra bytes past the fields stay zero. */
export function encodeRealtimeAttlog(
  e: RealtimeAttlogInput,
  length: 10 | 12 | 14 | 32 | 36 | 37 | 52,
): Buffer {
  const layout = `${length}-byte realtime attendance event`;
  const wall = parseWallTime(e.deviceTime);
  if (!wall) throw new EncodeError(layout, 'deviceTime', e.deviceTime, 'is not YYYY-MM-DDTHH:MM:SS');
  const shape = shapes[length] ?? shapes[32]!;
  const w = new ByteWriter(length, layout);
  // the 24-byte id keeps a NUL terminator: decoders of this event read up to the first NUL
  if (shape.user === 'char24') w.text(0, 23, e.userId, 'userId');
  else w.digits(0, shape.user === 'u16' ? 2 : 4, e.userId, 'userId');
  return w
    .u8(shape.verifyAt, e.verify, 'verify')
    .u8(shape.verifyAt + 1, e.punch, 'punch')
    .copy(shape.verifyAt + 2, encodeTime6(wall)).bytes;
}

/** The u32 mask of CMD_REG_EVENT (zk-tcp §12); 0 unregisters. */
export function encodeEventMask(mask: number): Buffer {
  return new ByteWriter(4, 'event mask').u32(0, mask >>> 0, 'mask').bytes;
}
