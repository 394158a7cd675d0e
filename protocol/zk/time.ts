import { ByteWriter } from '../bytes/byte-writer.js';
/**
 * Device wall time. Terminals stamp naive local time with no zone; it stays naive text
 * (`YYYY-MM-DDTHH:MM:SS`) until the device's IANA zone is applied downstream (zk-tcp §10).
 */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Packed form: 31-day months, 12-month years counted from 2000 (zk-tcp §10). Not Unix time. */
export function decodePackedTime(t: number): WallTime {
  const second = t % 60;
  t = Math.floor(t / 60);
  const minute = t % 60;
  t = Math.floor(t / 60);
  const hour = t % 24;
  t = Math.floor(t / 24);
  const day = (t % 31) + 1;
  t = Math.floor(t / 31);
  const month = (t % 12) + 1;
  const year = 2000 + Math.floor(t / 12);
  return { year, month, day, hour, minute, second };
}

export function encodePackedTime(w: WallTime): number {
  return (
    (((w.year % 100) * 12 * 31 + (w.month - 1) * 31 + (w.day - 1)) * 86400 +
      (w.hour * 60 + w.minute) * 60 +
      w.second) >>>
    0
  );
}

/** The 6-byte realtime form `YY MM DD hh mm ss` (zk-tcp §10). */
export function decodeTime6(b: Uint8Array, at = 0): WallTime {
  return {
    year: 2000 + b[at]!,
    month: b[at + 1]!,
    day: b[at + 2]!,
    hour: b[at + 3]!,
    minute: b[at + 4]!,
    second: b[at + 5]!,
  };
}

export function encodeTime6(w: WallTime): Buffer {
  return new ByteWriter(6, 'realtime time')
    .u8(0, w.year - 2000, 'year')
    .u8(1, w.month, 'month')
    .u8(2, w.day, 'day')
    .u8(3, w.hour, 'hour')
    .u8(4, w.minute, 'minute')
    .u8(5, w.second, 'second').bytes;
}

/** The data of a GET_TIME answer and a SET_TIME request: the packed time as u32 (zk-tcp §10). */
export function encodeClockData(w: WallTime): Buffer {
  return new ByteWriter(4, 'clock data').u32(0, encodePackedTime(w), 'time').bytes;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// formatWallTime runs once per record of a download (100,000+): a table of "00"…"99" instead of padStart
// per field took decode of 100k 40-byte records from ~1.4 s to well under half (bench/decode.ts)
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => pad(i));
const two = (n: number) => TWO_DIGITS[n] ?? pad(n);

/** `YYYY-MM-DDTHH:MM:SS`, the PunchEvent.device_time form. */
export function formatWallTime(w: WallTime): string {
  const year = w.year >= 1000 && w.year <= 9999 ? String(w.year) : pad(w.year, 4);
  return `${year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

const DAY_S = 86_400;

/**
 * Packed times (§10) as `YYYY-MM-DDTHH:MM:SS` text, for decoding a whole log. A log is in time order, so a
 * record nearly always falls on the day of the one before: the date part (its text and its calendar check)
 * is worked out once per day, not once per record (bench/decode.ts). Hour, minute and second are
 * remainders, always in range, so only the date can be impossible (Feb 30, Apr 31).
 */
export class PackedTimeText {
  private day = -1;
  private dateProblem: string | undefined;
  /**
   * Char codes of the day's `YYYY-MM-DDT`, written once per day. The text is made by one
   * String.fromCharCode: a flat string (a template literal of the parts is a chain of V8 cons strings that
   * hashing the id later flattens into a copy) and half the time of a Buffer scratch read out with
   * toString, a call into C++ per record (bench/decode.ts).
   */
  private date: number[] = [];

  /** What wallTimeProblem says of decodePackedTime(t), for a u32 `t` as read off the wire. */
  problem(t: number): string | undefined {
    this.seek(t);
    return this.dateProblem;
  }

  /** The same text as formatWallTime(decodePackedTime(t)). */
  text(t: number): string {
    this.seek(t);
    const d = this.date;
    const s = t % DAY_S;
    const m = Math.floor(s / 60);
    const h = Math.floor(m / 60);
    const mm = m % 60;
    const ss = s % 60;
    return String.fromCharCode(
      d[0]!,
      d[1]!,
      d[2]!,
      d[3]!,
      d[4]!,
      d[5]!,
      d[6]!,
      d[7]!,
      d[8]!,
      d[9]!,
      d[10]!,
      DIGIT_0 + Math.floor(h / 10),
      DIGIT_0 + (h % 10),
      COLON,
      DIGIT_0 + Math.floor(mm / 10),
      DIGIT_0 + (mm % 10),
      COLON,
      DIGIT_0 + Math.floor(ss / 10),
      DIGIT_0 + (ss % 10),
    );
  }

  private seek(t: number): void {
    const day = Math.floor(t / DAY_S);
    if (day === this.day) return;
    const wall = decodePackedTime(day * DAY_S);
    this.day = day;
    this.dateProblem = wallTimeProblem(wall);
    const text = formatWallTime(wall);
    this.date = Array.from({ length: 11 }, (_, i) => text.charCodeAt(i));
  }
}

const DIGIT_0 = 0x30;
const COLON = 0x3a;

const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;

export function parseWallTime(s: string): WallTime | undefined {
  const m = WALL_RE.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { year, month, day, hour, minute, second };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Why a wall time cannot be real (Feb 30, hour 24 …), or undefined when it is a real calendar instant. */
export function wallTimeProblem(w: WallTime): string | undefined {
  // NaN passes every comparison below; decodeTime6 on a short payload yields it
  const { year, month, day, hour, minute, second } = w;
  if (
    !Number.isInteger(year) ||
    !Number.isInteger(month) ||
    !Number.isInteger(day) ||
    !Number.isInteger(hour) ||
    !Number.isInteger(minute) ||
    !Number.isInteger(second)
  )
    return `non-integer field in ${[year, month, day, hour, minute, second].join(',')}`;
  if (w.month < 1 || w.month > 12) return `month ${w.month}`;
  // a table, not a Date per call: this runs once per downloaded record (bench/decode.ts)
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (w.day < 1 || w.day > daysInMonth) return `day ${w.day} in ${pad(w.year, 4)}-${pad(w.month)}`;
  if (w.hour > 23 || w.minute > 59 || w.second > 59)
    return `time ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  return undefined;
}
