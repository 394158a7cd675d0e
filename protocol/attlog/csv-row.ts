import { checkCode, checkLineLength, checkPin, checkTime } from '../adms/fields.js';
import { LineError } from '../adms/line-error.js';

/**
 * "Department, Name, No., Date/Time, Status, Location ID[, ID Number, VerifyCode, CardNo]" exports
 * (usb-export §4, family 2). Not a ZK standard: dates come in the locale order of whatever wrote the
 * file, so the day/month order is configuration, never guessed (§4 "Gateway stance").
 */
export type DateOrder = 'DMY' | 'MDY' | 'YMD';

export interface CsvMapping {
  dateOrder: DateOrder;
  /** Header names (case-insensitive) of the columns used. */
  columns: { user: string; time: string; status: string; verify: string };
  /** Status text → punch code. Numbers are taken as they are. */
  statuses: Record<string, number>;
  /** Verify text → verify code (codes disagree between sources, adms-push §5.2). Numbers as they are. */
  verifies: Record<string, number>;
}

export const DEFAULT_CSV_MAPPING: Omit<CsvMapping, 'dateOrder'> = {
  columns: { user: 'No.', time: 'Date/Time', status: 'Status', verify: 'VerifyCode' },
  statuses: {
    'c/in': 0,
    'c/out': 1,
    'break out': 2,
    'break in': 3,
    'overtime in': 4,
    'ot in': 4,
    'overtime out': 5,
    'ot out': 5,
  },
  verifies: { pwd: 0, password: 0, fp: 1, card: 4, face: 15, palm: 25 },
};

/** Splits one CSV row: commas, `"…"` quoting with `""` as an escaped quote. */
export function splitCsvRow(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Column positions from the header row; LineError naming the missing column otherwise. */
export function csvColumns(
  header: string,
  m: CsvMapping,
  line = 1,
): Record<keyof CsvMapping['columns'], number> {
  const names = splitCsvRow(header).map((h) => h.trim().toLowerCase());
  const find = (want: string, required: boolean) => {
    const i = names.indexOf(want.toLowerCase());
    if (i < 0 && required) throw new LineError(line, header, `header has no ${JSON.stringify(want)} column`);
    return i;
  };
  return {
    user: find(m.columns.user, true),
    time: find(m.columns.time, true),
    status: find(m.columns.status, true),
    verify: find(m.columns.verify, false),
  };
}

const DATE_TIME =
  /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?$/;

/** A locale date-time → `YYYY-MM-DD HH:MM:SS` in the given order; minutes-only times get `:00`. */
export function csvDateTime(value: string, order: DateOrder, line: number, text: string): string {
  const m = DATE_TIME.exec(value.trim());
  if (!m) throw new LineError(line, text, `date-time ${JSON.stringify(value)} is not in a known form`);
  const [a, b, c] = [m[1]!, m[2]!, m[3]!];
  const [y, mo, d] = order === 'YMD' ? [a, b, c] : order === 'DMY' ? [c, b, a] : [c, a, b];
  if (y.length !== 4) throw new LineError(line, text, `year in ${JSON.stringify(value)} for order ${order}`);
  let h = Number(m[4]);
  const ampm = m[7]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) throw new LineError(line, text, `hour ${h} with ${ampm.toUpperCase()}`);
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  }
  const p = (s: string | number) => String(s).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)} ${p(h)}:${m[5]}:${m[6] ?? '00'}`;
}

export interface CsvRecord {
  userId: string;
  deviceTime: string;
  punch: number;
  verify: number;
}

function code(
  value: string,
  table: Record<string, number>,
  what: string,
  line: number,
  text: string,
): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return checkCode(v, what, line, text);
  const mapped = table[v.toLowerCase()];
  if (mapped === undefined) throw new LineError(line, text, `${what} ${JSON.stringify(v)} has no mapping`);
  return mapped;
}

export function parseCsvRecord(
  text: string,
  cols: Record<keyof CsvMapping['columns'], number>,
  m: CsvMapping,
  line: number,
): CsvRecord {
  checkLineLength(text, line);
  const f = splitCsvRow(text);
  const userId = checkPin((f[cols.user] ?? '').trim(), line, text);
  const deviceTime = checkTime(csvDateTime(f[cols.time] ?? '', m.dateOrder, line, text), line, text);
  const punch = code(f[cols.status] ?? '', m.statuses, 'status', line, text);
  // a file without a VerifyCode column (or an empty cell) says nothing about the method: 0
  const rawVerify = cols.verify < 0 ? '' : (f[cols.verify] ?? '');
  const verify = rawVerify.trim() === '' ? 0 : code(rawVerify, m.verifies, 'verify', line, text);
  return { userId, deviceTime, punch, verify };
}
