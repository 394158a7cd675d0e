import { EncodeError } from '../errors.js';

/**
 * The handshake reply (`GET /iclock/cdata?SN=…&options=all`, adms-push §4.2): a first line
 * `GET OPTION FROM: <SN>` and one `Key=Value` per line, CRLF. Both sides: the gateway encodes it, the
 * push-mode simulator parses it. `ICLOCKSVRURL` (server redirect) is never emitted (§4.2, §8).
 */

export interface HandshakeOptions {
  /** Cursor per table as the terminal last sent it, or `None` (adms-push §4.3). */
  attlogStamp: string;
  operlogStamp: string;
  attphotoStamp: string;
  errorDelayS: number;
  delayS: number;
  transTimes: string;
  transIntervalMin: number;
  /** Format II names (§4.4): `TransData AttLog OpLog EnrollUser ChgUser`. */
  transFlag: string;
  /** Encoded with `encodeTimeZoneOption`. */
  timeZone: number;
  realtime: boolean;
  serverVer: string;
}

export const HANDSHAKE_PREFIX = 'GET OPTION FROM: ';

/** Keys the gateway must never send: they hand the terminal to another server. */
const FORBIDDEN_KEYS = new Set(['ICLOCKSVRURL']);

export function encodeOptionsBlock(serial: string, o: HandshakeOptions): string {
  const lines = [
    `${HANDSHAKE_PREFIX}${serial}`,
    `ATTLOGStamp=${o.attlogStamp}`,
    `OPERLOGStamp=${o.operlogStamp}`,
    `ATTPHOTOStamp=${o.attphotoStamp}`,
    `ErrorDelay=${o.errorDelayS}`,
    `Delay=${o.delayS}`,
    `TransTimes=${o.transTimes}`,
    `TransInterval=${o.transIntervalMin}`,
    `TransFlag=${o.transFlag}`,
    `TimeZone=${o.timeZone}`,
    `Realtime=${o.realtime ? 1 : 0}`,
    // §4.2: keep 0; old firmware's scheme is LZO plus a cipher keyed on the SN
    'Encrypt=None',
    `ServerVer=${o.serverVer}`,
    `PushProtVer=${o.serverVer}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export interface ParsedOptionsBlock {
  serial: string | undefined;
  options: Map<string, string>;
  /** The terminal's reading: a line starting `UN` or `RETRY` is a refusal (§4.2). */
  refused: boolean;
}

export function parseOptionsBlock(text: string): ParsedOptionsBlock {
  const options = new Map<string, string>();
  let serial: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('UN') || line.startsWith('RETRY')) return { serial, options, refused: true };
    if (line.startsWith(HANDSHAKE_PREFIX)) serial = line.slice(HANDSHAKE_PREFIX.length).trim();
    const eq = line.indexOf('=');
    if (eq > 0) {
      const key = line.slice(0, eq).trim();
      if (!FORBIDDEN_KEYS.has(key)) options.set(key, line.slice(eq + 1).trim());
    }
  }
  return { serial, options, refused: false };
}

/**
 * `TimeZone=` from a UTC offset in minutes (§4.2, §7): the terminal reads |value| < 25 as hours, anything
 * else as minutes. `auto` sends whole hours as hours and the rest (+05:30 → 330) as minutes; `minutes`
 * always sends minutes, except that an offset under 25 minutes cannot be said that way (none exist).
 */
export function encodeTimeZoneOption(offsetMinutes: number, unit: 'auto' | 'minutes' = 'auto'): number {
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) > 18 * 60)
    throw new EncodeError(
      'TimeZone option',
      'UTC offset',
      String(offsetMinutes),
      'is not whole minutes within ±18 h',
    );
  if (offsetMinutes % 60 === 0 && (unit === 'auto' || offsetMinutes === 0)) return offsetMinutes / 60;
  if (Math.abs(offsetMinutes) < 25)
    throw new EncodeError(
      'TimeZone option',
      'UTC offset',
      String(offsetMinutes),
      'minutes would be read as hours',
    );
  return offsetMinutes;
}

/** The terminal's reading of `TimeZone=` in minutes; non-integers read as their leading integer (§7). */
export function parseTimeZoneOption(value: string): number {
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n)) return 0;
  return Math.abs(n) < 25 ? n * 60 : n;
}

/** `0`, `None`, empty and all-nines stamps all mean "send everything" (§4.3): never worth storing. */
export function isPlaceholderStamp(stamp: string | null | undefined): boolean {
  return stamp == null || stamp === '' || stamp === '0' || stamp === 'None' || /^9+$/.test(stamp);
}
