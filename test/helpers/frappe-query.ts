import type { Doc } from './frappe-db.js';
import { canonicalDatetime } from './frappe-doctypes.js';
import { pythonError, validationError } from './frappe-errors.js';

/** Query parameters arrive as JSON strings (query string) or as values (JSON body). */
function parsed(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

type Condition = [field: string, op: string, value: unknown];

/** List form `[[f, op, v], …]` (or 4-element with the DocType first) and dict form `{f: v | [op, v]}`. */
function conditions(raw: unknown): Condition[] {
  const v = parsed(raw);
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) {
    return v.map((c) => {
      if (!Array.isArray(c)) throw validationError(`Invalid filter: ${JSON.stringify(c)}`);
      const parts = c.length === 4 ? c.slice(1) : c;
      if (parts.length === 2) return [String(parts[0]), '=', parts[1]];
      return [String(parts[0]), String(parts[1]).toLowerCase(), parts[2]];
    });
  }
  if (typeof v === 'object') {
    return Object.entries(v).map(([f, x]) =>
      Array.isArray(x) ? [f, String(x[0]).toLowerCase(), x[1]] : [f, '=', x],
    );
  }
  throw validationError(`Invalid filter: ${String(raw)}`);
}

/** SQL-ish comparison: a number against anything numerically, datetimes by their stored form, else text. */
function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (typeof a === 'number' || typeof b === 'number') {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  }
  const sa = canonicalDatetime(a) ?? String(a ?? '');
  const sb = canonicalDatetime(b) ?? String(b ?? '');
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v)
    ? v
    : String(v)
        .split(',')
        .map((s) => s.trim());
}

/** The text a value compares as: datetimes in their stored form, numbers and strings as text. */
const norm = (v: unknown): string => canonicalDatetime(v) ?? String(v ?? '');

// an `in` list is normalised once per query, not once per row (bench-sized tables)
const inSets = new WeakMap<object, Set<string>>();
function inSet(value: unknown): Set<string> {
  const key = typeof value === 'object' && value !== null ? value : undefined;
  const hit = key && inSets.get(key);
  if (hit) return hit;
  const set = new Set(list(value).map(norm));
  if (key) inSets.set(key, set);
  return set;
}

function matches(doc: Doc, [field, op, value]: Condition): boolean {
  const actual = doc[field] ?? null;
  // Frappe wraps compared columns in ifnull(…, ''), so null equals ''
  const a = actual ?? '';
  switch (op) {
    case '=':
      return cmp(a, value ?? '') === 0;
    case '!=':
      return cmp(a, value ?? '') !== 0;
    case '<':
      return cmp(a, value) < 0;
    case '>':
      return cmp(a, value) > 0;
    case '<=':
      return cmp(a, value) <= 0;
    case '>=':
      return cmp(a, value) >= 0;
    case 'in':
      return inSet(value).has(norm(a));
    case 'not in':
      return !inSet(value).has(norm(a));
    case 'between': {
      const [lo, hi] = list(value);
      return cmp(a, lo) >= 0 && cmp(a, hi) <= 0;
    }
    case 'is':
      return value === 'set' ? a !== '' : a === '';
    case 'like':
    case 'not like': {
      const re = new RegExp(
        `^${String(value)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
        'is',
      );
      return re.test(String(a)) === (op === 'like');
    }
    default:
      throw validationError(
        `Operator must be one of =, !=, <, >, <=, >=, in, not in, between, is, like, not like: ${op}`,
      );
  }
}

/** GET /api/resource/{DocType} list semantics (frappe §2). */
export function queryDocs(
  docs: Doc[],
  args: Record<string, unknown>,
  known: string[],
): Record<string, unknown>[] {
  const fields = (parsed(args.fields) as string[] | undefined) ?? ['name'];
  for (const f of [...fields, ...conditions(args.filters).map((c) => c[0])]) {
    if (f !== '*' && !known.includes(f)) {
      throw pythonError('OperationalError', `(1054, "Unknown column '${f}' in 'field list'")`, 'pymysql.err');
    }
  }
  const all = conditions(args.filters);
  const any = conditions(args.or_filters);
  let rows = docs.filter(
    (d) => all.every((c) => matches(d, c)) && (any.length === 0 || any.some((c) => matches(d, c))),
  );
  // default order: newest first; Map order is insertion order
  rows = rows.reverse();
  const orderBy = typeof args.order_by === 'string' ? args.order_by : '';
  for (const term of orderBy
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse()) {
    const [field = '', dir = 'asc'] = term.split(/\s+/);
    const sign = dir.toLowerCase() === 'desc' ? -1 : 1;
    rows = [...rows].sort((x, y) => sign * cmp(x[field], y[field]));
  }
  // group_by: one row per value of the field (the columns asked for are that field's, frappe §2)
  const groupBy = typeof args.group_by === 'string' ? args.group_by.trim() : '';
  if (groupBy) {
    if (!known.includes(groupBy)) {
      throw pythonError(
        'OperationalError',
        `(1054, "Unknown column '${groupBy}' in 'group statement'")`,
        'pymysql.err',
      );
    }
    const seen = new Set<string>();
    rows = rows.filter((d) => {
      const k = norm(d[groupBy]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const start = Number(args.limit_start ?? 0) || 0;
  const limit = Number(args.limit_page_length ?? args.limit ?? 20);
  rows = rows.slice(start, limit === 0 ? undefined : start + limit);
  return rows.map((d) =>
    fields.includes('*') ? { ...d } : Object.fromEntries(fields.map((f) => [f, d[f] ?? null])),
  );
}
