import { formatWallTime, parseWallTime } from '../zk/time.js';
import { LineError } from './line-error.js';

/**
 * Field checks shared by the text formats (push ATTLOG, USB attlog, CSV). A PIN is printable ASCII with
 * no spaces (adms-push §9: corrupt flash yields control bytes); a time has the YYYY-MM-DD HH:MM:SS shape.
 */
const PIN = /^[\x21-\x7e]{1,24}$/;

/**
 * The longest text record line taken: a push ATTLOG line with every firmware's extra fields, an
 * attlog.dat line or a CSV report row stays well under 256 characters; a longer one is not a punch, and
 * its text would otherwise travel on as the punch's raw bytes.
 */
export const MAX_LINE_CHARS = 1024;

/** Refuses a line past MAX_LINE_CHARS before any field of it is looked at. */
export function checkLineLength(text: string, line: number): void {
  if (text.length > MAX_LINE_CHARS)
    throw new LineError(
      line,
      text,
      `line of ${text.length} characters; a record line is at most ${MAX_LINE_CHARS}`,
    );
}

export function checkPin(pin: string, line: number, text: string): string {
  if (!PIN.test(pin))
    throw new LineError(line, text, `user id ${JSON.stringify(pin)} is empty or unprintable`);
  return pin;
}

/**
 * `YYYY-MM-DD HH:MM:SS` → PunchEvent form `YYYY-MM-DDTHH:MM:SS`. A well-formed time that cannot exist
 * (2047-02-30, month 13, hour 25) is passed through as written: the record is still a punch the terminal
 * holds, kept as such and judged implausible downstream, never turned into another day.
 */
export function checkTime(time: string, line: number, text: string): string {
  const w = parseWallTime(time);
  if (!w) throw new LineError(line, text, `time ${JSON.stringify(time)} is not YYYY-MM-DD HH:MM:SS`);
  return formatWallTime(w);
}

/** A status or verify code: an integer 0…255 (PunchEvent.punch / verify). */
export function checkCode(value: string, what: string, line: number, text: string): number {
  if (!/^\d{1,3}$/.test(value) || Number(value) > 255)
    throw new LineError(line, text, `${what} ${JSON.stringify(value)} is not an integer 0…255`);
  return Number(value);
}

/** Lines of a body or file: split on LF, a CR before it dropped, empty lines skipped but counted. */
export function splitLines(body: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const parts = body.split('\n');
  for (const [i, part] of parts.entries()) {
    const text = part.endsWith('\r') ? part.slice(0, -1) : part;
    if (text.trim() !== '') out.push({ line: i + 1, text });
  }
  return out;
}
