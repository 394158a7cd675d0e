import * as crypto from 'node:crypto';

/**
 * Field sizes, each past the widest real layout: terminal serials and site names are short words (topic
 * levels), user ids at most 24 characters on any ZK firmware (255 leaves room for odd exports, and Frappe
 * itself parks anything past its 140-character Data fields), zone names under 40, and the raw record at
 * most a 1,024-character text line (a binary record is 40 bytes at most) as hex.
 */
export const PUNCH_BOUNDS = { device_id: 64, site: 64, user_id: 255, timezone: 64, raw_hex: 2048 } as const;

/** The largest JSON a PunchEvent within PUNCH_BOUNDS can be, escapes included, with room to spare. */
export const MAX_PUNCH_PAYLOAD_BYTES = 16 * 1024;

/** Where a punch was first seen (design.md, PunchEvent). */
export type PunchSource = 'pull' | 'realtime' | 'push' | 'file';

/**
 * The one normalized event every source produces; its JSON form is the MQTT payload (design.md). The
 * schema that validates a received one is src/payload/punch-event-schema.ts.
 */
export interface PunchEvent {
  v: 1;
  /** sha1 of `device_id|user_id|device_time|punch` (punchEventId). */
  id: string;
  /** The terminal's serial. */
  device_id: string;
  site: string;
  user_id: string;
  /** The terminal's own wall time, `YYYY-MM-DDTHH:MM:SS`, in `timezone`. */
  device_time: string;
  /** IANA zone of the terminal's clock. */
  timezone: string;
  punch: number;
  verify: number;
  source: PunchSource;
  /** When the gateway received it, ISO 8601 UTC. */
  received_at: string;
  /** Terminal clock minus gateway clock at the sync, seconds; null when not measured. */
  clock_offset_s: number | null;
  /** The record as the terminal sent it, hex. */
  raw: string;
  /**
   * Set when user_id is the terminal's internal uid: the record carried only the uid and the terminal's
   * user list has no user with it.
   */
  uid_only?: true;
}

// crypto.hash, the one-shot digest, hashes the 100,000 short ids of a full download in 26 ms warm, 29 ms
// cold, against 84 and 207 ms with a createHash object per id. It is Node 20.12+ and package.json allows
// any Node 20, where a named import of it would not even load.
const sha1Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text)
    : (text) => crypto.createHash('sha1').update(text).digest('hex');

/** sha1 of `device_id|user_id|device_time|punch` with the time as `YYYY-MM-DD HH:MM:SS` (design.md). */
export function punchEventId(deviceId: string, userId: string, deviceTime: string, punch: number): string {
  return sha1Hex(`${deviceId}|${userId}|${deviceTime.replace('T', ' ')}|${punch}`);
}

export interface PunchFacts {
  deviceId: string;
  site: string;
  userId: string;
  deviceTime: string;
  timezone: string;
  punch: number;
  verify: number;
  source: PunchSource;
  receivedAt: Date;
  clockOffsetS: number | null;
  raw: Uint8Array | string;
}

/** The facts of one punch of its own; every punch of one read has the rest (SharedPunchFacts) in common. */
export type OwnPunchFacts = Pick<PunchFacts, 'userId' | 'deviceTime' | 'punch' | 'verify'>;
export type SharedPunchFacts = Omit<PunchFacts, keyof OwnPunchFacts | 'raw'>;

/**
 * Makes the events of one read (a pull of 100,000 records) without a PunchFacts object per event, with
 * received_at's ISO text, which they share, formatted once, and with the raw hex as the caller has it
 * (a pull reads it straight off the dataset, no Buffer view per record).
 */
export function punchEventMaker(
  shared: SharedPunchFacts,
): (own: OwnPunchFacts, rawHex: string) => PunchEvent {
  const { deviceId, site, timezone, source, clockOffsetS } = shared;
  const receivedAt = shared.receivedAt.toISOString();
  return (f, rawHex) => ({
    v: 1,
    id: punchEventId(deviceId, f.userId, f.deviceTime, f.punch),
    device_id: deviceId,
    site,
    user_id: f.userId,
    device_time: f.deviceTime,
    timezone,
    punch: f.punch,
    verify: f.verify,
    source,
    received_at: receivedAt,
    clock_offset_s: clockOffsetS,
    raw: rawHex,
  });
}

export function makePunchEvent(f: PunchFacts): PunchEvent {
  const rawHex =
    typeof f.raw === 'string'
      ? Buffer.from(f.raw, 'utf8').toString('hex')
      : Buffer.from(f.raw).toString('hex');
  return punchEventMaker(f)(f, rawHex);
}
