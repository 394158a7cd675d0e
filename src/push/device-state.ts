import type { PushAdmission, PushCredentials } from './admission.js';
import type { PushCursor } from './push-cursor.js';
import type { UserNames } from './user-names.js';

/** A terminal allowed to push (config `push.devices`). */
export interface PushDevice extends PushCredentials {
  serial: string;
  /** IANA zone of the terminal clock: PunchEvent.timezone and the handshake `TimeZone=` (adms-push §7). */
  timezone: string;
  /** false: no `Date` header, so the gateway's clock never moves this terminal's (§7). Default true. */
  sendDate?: boolean;
}

/** What the receiver knows about one terminal while it runs. */
export interface DeviceState {
  config: PushDevice;
  admission: PushAdmission;
  /** Stamps, newest punch held and handshake address (push-cursor.ts), loaded from the store on first use. */
  cursor: PushCursor | undefined;
  /** Offset (minutes) sent in the last handshake; a change (DST) queues a CHECK. */
  sentOffsetMin: number | undefined;
  /** User id → name from OPERLOG/USERINFO uploads. */
  users: UserNames;
  /** `getrequest INFO=` and `table=options` values. */
  info: Record<string, string>;
  pushver: string | undefined;
  lastSeen: Date | undefined;
}

/** `getrequest INFO=` order (adms-push §6.1). */
const INFO_FIELDS = [
  'firmware',
  'users',
  'fingerprints',
  'attlogs',
  'ip',
  'fp_algorithm',
  'face_algorithm',
  'face_templates_per_user',
  'faces',
  'flags',
];

export function parseInfoParam(info: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, v] of info.split(',').entries()) out[INFO_FIELDS[i] ?? `field${i + 1}`] = v;
  return out;
}

/** `table=options`: `key=value` pairs separated by commas or newlines, `~` marks read-only (§5.3). */
export function parseOptionsUpload(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of body.split(/[,\r\n]+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq).trim().replace(/^~/, '')] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** Free text in the device code page (§2.3): UTF-8 when valid, else latin1. */
export function decodeDeviceText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return body.toString('latin1');
  }
}
