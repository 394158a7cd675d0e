import { checkCode, checkLineLength, checkPin, checkTime } from '../adms/fields.js';
import { LineError } from '../adms/line-error.js';

/**
 * One record of a USB `*_attlog.dat` export (usb-export §2.1): six TAB-separated fields — PIN
 * right-aligned and left-padded with spaces, time, machine number, status, verify, work code. Column 3 is
 * the machine number, not the status: the push ATTLOG order differs (adms-push §5.1).
 */
export interface DatRecord {
  /** Spaces stripped, zeros kept (`   01043` → `01043`). */
  userId: string;
  /** Naive device wall time `YYYY-MM-DDTHH:MM:SS`. */
  deviceTime: string;
  machine: number;
  /** Column 4 → PunchEvent.punch; 255 when the device records no state. */
  punch: number;
  /** Column 5 → PunchEvent.verify. */
  verify: number;
  workcode: number;
}

/**
 * Parses one line (without its line ending). A line whose second field is not a date-time is a non-record
 * line (the SDK's "extended" header/checksum lines, §2.2) and throws LineError with `nonRecord` set, so the
 * import report can tell it from a corrupt record.
 */
export function parseDatLine(text: string, line = 1): DatRecord {
  checkLineLength(text, line);
  const f = text.split('\t');
  if (f.length < 5 || !/^\s*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s*$/.test(f[1] ?? ''))
    throw new NonRecordLineError(line, text);
  // spaces only: a PIN `00123` is a different user from `123` on the terminal (§2.1)
  const userId = checkPin(f[0]!.replace(/ /g, ''), line, text);
  const deviceTime = checkTime(f[1]!.trim(), line, text);
  const machine = checkCode(f[2]!.trim(), 'machine number', line, text);
  const punch = checkCode(f[3]!.trim(), 'status', line, text);
  const verify = checkCode(f[4]!.trim(), 'verify', line, text);
  const wc = (f[5] ?? '0').trim();
  if (!/^\d+$/.test(wc)) throw new LineError(line, text, `work code ${JSON.stringify(wc)}`);
  return { userId, deviceTime, machine, punch, verify, workcode: Number(wc) };
}

/** A line that is not a record at all (header, checksum trailer, text): reported, never an error of the import. */
export class NonRecordLineError extends LineError {
  constructor(line: number, text: string) {
    super(line, text, 'not an attendance record (field 2 is not YYYY-MM-DD HH:MM:SS)');
  }
}

/** The line a terminal writes (no line ending): PIN right-aligned to `pinWidth` (9 on most firmware). */
export function encodeDatLine(r: DatRecord, pinWidth = 9): string {
  return [
    r.userId.padStart(pinWidth, ' '),
    r.deviceTime.replace('T', ' '),
    r.machine,
    r.punch,
    r.verify,
    r.workcode,
  ].join('\t');
}
