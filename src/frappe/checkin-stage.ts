import type { PunchEvent } from '../event/index.js';
import { DEFAULT_TIME_BOUNDS, implausibleTime, type TimeBounds } from '../event/index.js';
import type { FrappeClient } from './client.js';
import { CHECKIN_EVENT_ID } from './doctype-seed.js';
import type { EmployeeResolver } from './employee-resolver.js';
import { insertManyIsolating } from './insert-many.js';
import { listWhereIn } from './list-in.js';
import { CHECKIN_DOCTYPE, oversizeField, type PunchPlan } from './punch-plan.js';
import type { WriteOutcome } from './writer.js';

export interface BatchItem {
  event: PunchEvent;
  plan: PunchPlan;
}

/** Where one punch's Checkin stands; the Raw Log gets this status. */
export interface CheckinResult {
  status: 'Synced' | 'Unmapped' | 'Error';
  checkin?: string | undefined;
  message?: string | undefined;
  via?: WriteOutcome['via'];
}

interface CheckinRow {
  name: string;
  employee: string;
  time: string;
  log_type?: string | null;
  device_id?: string | null;
  x05_event_id?: string | null;
}

export interface CheckinStageOptions {
  /** Punch times outside these are parked as Error, never a Checkin. */
  bounds?: TimeBounds;
  /** Employee Checkin has the unique event id field `frappe setup` adds (read from the site's meta). */
  eventIdField: boolean;
  nowMs?: number;
}

/**
 * Writes the Employee Checkins of a batch: resolve employees, look up what already landed (a redelivered
 * punch may have its Checkin from an attempt whose answer never came, frappe §3), insert the rest with
 * one insert_many. Exactly one Checkin per punch is the database's job: each carries its event id in a
 * unique field, so a repeat that the lookup could not see yet (an attempt still committing) is refused by
 * the index, and the refusal is resolved by looking again once it has committed. The caller runs one such
 * stage at a time, in batch order, which keeps each employee's punches in order.
 */
export async function writeCheckins(
  client: FrappeClient,
  resolver: EmployeeResolver,
  items: readonly BatchItem[],
  opts: CheckinStageOptions,
): Promise<CheckinResult[]> {
  const bounds = opts.bounds ?? DEFAULT_TIME_BOUNDS;
  const nowMs = opts.nowMs ?? Date.now();
  const results: Array<CheckinResult | undefined> = new Array(items.length);
  // a time no terminal could have stamped (a reset clock, a forged line) is parked with its Raw Log, never
  // a Checkin: HRMS would file it under that day, and a far-future one drags last_sync_of_checkin along;
  // a user id no Employee field can hold is parked the same way, before any lookup carries it
  const plausible: number[] = [];
  items.forEach((it, i) => {
    const why =
      oversizeField(it.event) ?? implausibleTime(it.event.device_time, it.event.timezone, nowMs, bounds);
    if (why) results[i] = { status: 'Error', message: why };
    else plausible.push(i);
  });
  const found = await resolver.resolve(
    plausible.map((i) => {
      const e = items[i]!.event;
      return { user: e.user_id, device: e.device_id, site: e.site };
    }),
  );
  const todo: Todo[] = [];
  found.forEach((r, k) => {
    const i = plausible[k]!;
    if ('employee' in r) todo.push({ i, employee: r.employee });
    else results[i] = { status: 'Unmapped', message: r.reason };
  });
  const lookup = (t: readonly Todo[]) => findCheckins(client, items, t, opts.eventIdField);
  const existing = todo.length > 0 ? await lookup(todo) : new Map<number, string>();
  const insert: Todo[] = [];
  for (const t of todo) {
    const name = existing.get(t.i);
    if (name) results[t.i] = { status: 'Synced', checkin: name, via: 'found-existing' };
    else insert.push(t);
  }
  const docs = insert.map(({ i, employee }) => checkinDoc(items[i]!, employee));
  const written = await insertManyIsolating(client, docs, async (at) => {
    const there = await lookup(at.map((k) => insert[k]!));
    return new Map(
      at.flatMap((k) => (there.has(insert[k]!.i) ? [[k, there.get(insert[k]!.i)!] as const] : [])),
    );
  });
  const unnamed: Todo[] = [];
  written.forEach((w, k) => {
    const t = insert[k]!;
    if ('name' in w) {
      results[t.i] = { status: 'Synced', checkin: w.name, via: w.existing ? 'found-existing' : 'inserted' };
      return;
    }
    const err = w.error;
    if (err.kind === 'duplicate') {
      const name = checkinNameIn(err.messages);
      results[t.i] = { status: 'Synced', checkin: name, via: 'duplicate' };
      if (!name) unnamed.push(t);
    } else if (err.kind === 'unmapped') {
      results[t.i] = { status: 'Unmapped', message: err.frappeMessage };
    } else {
      results[t.i] = { status: 'Error', message: err.frappeMessage };
    }
  });
  // the unique index names no document: find the one it protected, for the Raw Log's link
  if (unnamed.length > 0) {
    for (const [i, name] of await lookup(unnamed))
      results[i] = { status: 'Synced', checkin: name, via: 'duplicate' };
  }
  return results.map((r) => r ?? { status: 'Error', message: 'not written (internal)' });
}

interface Todo {
  i: number;
  employee: string;
}

function checkinDoc(item: BatchItem, employee: string): Record<string, unknown> {
  const a = item.plan.addLog;
  return {
    doctype: CHECKIN_DOCTYPE,
    employee,
    // naive site time, the same string on every retry: HRMS dedups on exact equality (frappe §4)
    time: a.timestamp,
    device_id: a.device_id,
    // left unset for unknown codes: HRMS allows an empty log_type and matches null to null
    ...(a.log_type ? { log_type: a.log_type } : {}),
    // Frappe drops a key that is no column, so a site without the field still takes the Checkin
    [CHECKIN_EVENT_ID.fieldname]: item.event.id,
  };
}

/**
 * Checkins already there for these punches, by item index; one GET. A row carrying the punch's event id
 * is it; a row from before the field existed is matched on (employee, time, device_id, log_type).
 */
async function findCheckins(
  client: FrappeClient,
  items: readonly BatchItem[],
  todo: readonly Todo[],
  eventIdField: boolean,
): Promise<Map<number, string>> {
  // a time range, not a list of times: it keeps the query string short (see list-in.ts)
  const times = todo.map((t) => items[t.i]!.plan.addLog.timestamp).sort();
  const fields = ['name', 'employee', 'time', 'log_type', 'device_id'];
  // asking for a column the site lacks fails the whole query, so only when the meta shows it
  if (eventIdField) fields.push(CHECKIN_EVENT_ID.fieldname);
  const rows = await listWhereIn<CheckinRow & Record<string, unknown>>(
    client,
    CHECKIN_DOCTYPE,
    fields,
    'employee',
    [...new Set(todo.map((t) => t.employee))],
    [
      ['time', '>=', times[0]],
      ['time', '<=', times[times.length - 1]],
    ],
  );
  const out = new Map<number, string>();
  for (const t of todo) {
    const { event, plan } = items[t.i]!;
    const a = plan.addLog;
    const hit =
      rows.find((r) => r.x05_event_id === event.id) ??
      rows.find(
        (r) =>
          !r.x05_event_id &&
          r.employee === t.employee &&
          sameTime(r.time, a.timestamp) &&
          (r.log_type || null) === a.log_type &&
          (r.device_id ?? null) === a.device_id,
      );
    if (hit) out.set(t.i, hit.name);
  }
  return out;
}

/** Frappe gives datetimes back as `YYYY-MM-DD HH:MM:SS[.ffffff]`, fraction only when non-zero (§2). */
function sameTime(stored: string, sent: string): boolean {
  const norm = (s: string) => s.replace(/\.0*$/, '');
  return norm(String(stored)) === norm(sent);
}

/** HRMS links the clashing Checkin: `/app/Form/Employee Checkin/<name>` (v13: `#Form/…`), frappe §3. */
export function checkinNameIn(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const hit = /Form\/Employee Checkin\/([^"'<>]+)["']/.exec(m);
    if (hit) return hit[1];
  }
  return undefined;
}
