import { checkCode, checkLineLength, checkPin, checkTime } from './fields.js';
import { LineError } from './line-error.js';

/**
 * One punch line of `POST /iclock/cdata?table=ATTLOG` (adms-push §5.1): TAB-separated, positional
 * PIN, time, status, verify, workcode (may be empty), reserved, reserved, then firmware-specific fields.
 * This is NOT the USB file order (there column 3 is the machine number, usb-export §2.1).
 */
export interface AdmsAttlogLine {
  userId: string;
  /** Naive device wall time `YYYY-MM-DDTHH:MM:SS`. */
  deviceTime: string;
  /** Field 3, the punch state → PunchEvent.punch (255 = device keeps no state). */
  punch: number;
  /** Field 4 → PunchEvent.verify. */
  verify: number;
  /** Field 5; null when the device sent it empty. */
  workcode: number | null;
  /** Fields 6 and beyond, kept as sent (reserved, mask flag, temperature …). */
  extra: string[];
}

export function parseAdmsAttlogLine(text: string, line = 1): AdmsAttlogLine {
  checkLineLength(text, line);
  const f = text.split('\t');
  if (f.length < 4) throw new LineError(line, text, `${f.length} fields, an ATTLOG line has at least 4`);
  // push sends no padding (§5.1), but a stray space must not split one user into two ids
  const userId = checkPin(f[0]!.trim(), line, text);
  const deviceTime = checkTime(f[1]!, line, text);
  const punch = checkCode(f[2]!, 'status', line, text);
  const verify = checkCode(f[3]!, 'verify', line, text);
  const wc = f[4] ?? '';
  if (wc !== '' && !/^\d+$/.test(wc)) throw new LineError(line, text, `workcode ${JSON.stringify(wc)}`);
  return { userId, deviceTime, punch, verify, workcode: wc === '' ? null : Number(wc), extra: f.slice(5) };
}

/** The line a terminal would send (the simulator's side); `extra` defaults to the two reserved zeros. */
export function encodeAdmsAttlogLine(r: AdmsAttlogLine): string {
  const extra = r.extra.length > 0 ? r.extra : ['0', '0'];
  return [r.userId, r.deviceTime.replace('T', ' '), r.punch, r.verify, r.workcode ?? '', ...extra].join('\t');
}
