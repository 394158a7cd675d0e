import { DEFAULT_TIME_BOUNDS, implausibleTime, type TimeBounds } from '../event/plausible-time.js';
import type { PunchEvent } from '../event/punch-event.js';
import type { FrappeClient } from './client.js';
import type { EmployeeResolver } from './employee-resolver.js';
import { insertManyIsolating } from './insert-many.js';
import { listWhereIn } from './list-in.js';
import { CHECKIN_DOCTYPE, type PunchPlan } from './punch-plan.js';
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
}

/**
 * Writes the Employee Checkins of a batch: resolve employees, (after any retry or uncertain outcome) look
 * up what already landed, insert the rest with one insert_many (isolating refused ones). The caller runs
 * one such stage at a time, in batch order: HRMS's duplicate check is read-then-insert with no DB key
 * (contract.md §4, rule 3), so two writes of one employee must never overlap, and per-employee order holds.
 */
export async function writeCheckins(
  client: FrappeClient,
  resolver: EmployeeResolver,
  items: readonly BatchItem[],
  lookupFirst: boolean,
  bounds: TimeBounds = DEFAULT_TIME_BOUNDS,
  nowMs = Date.now(),
): Promise<CheckinResult[]> {
  const results: Array<CheckinResult | undefined> = new Array(items.length);
  // a time no terminal could have stamped (a reset clock, a forged line) is parked with its Raw Log, never
  // a Checkin: HRMS would file it under that day, and a far-future one drags last_sync_of_checkin along
  const plausible: number[] = [];
  items.forEach((it, i) => {
    const why = implausibleTime(it.event.device_time, it.event.timezone, nowMs, bounds);
    if (why) results[i] = { status: 'Error', message: why };
    else plausible.push(i);
  });
  const found = await resolver.resolve(
    plausible.map((i) => {
      const e = items[i]!.event;
      return { user: e.user_id, device: e.device_id, site: e.site };
    }),
  );
  const todo: Array<{ i: number; employee: string }> = [];
  found.forEach((r, k) => {
    const i = plausible[k]!;
    if ('employee' in r) todo.push({ i, employee: r.employee });
    else results[i] = { status: 'Unmapped', message: r.reason };
  });
  let insert = todo;
  if (lookupFirst && todo.length > 0) {
    const existing = await findCheckins(client, items, todo);
    insert = [];
    for (const t of todo) {
      const name = existing.get(t.i);
      if (name) results[t.i] = { status: 'Synced', checkin: name, via: 'found-existing' };
      else insert.push(t);
    }
  }
  const docs = insert.map(({ i, employee }) => checkinDoc(items[i]!.plan, employee));
  const written = await insertManyIsolating(client, docs);
  written.forEach((w, k) => {
    const i = insert[k]!.i;
    if ('name' in w) {
      results[i] = { status: 'Synced', checkin: w.name, via: 'inserted' };
      return;
    }
    const err = w.error;
    if (err.kind === 'duplicate') {
      results[i] = { status: 'Synced', checkin: checkinNameIn(err.messages), via: 'hrms-duplicate' };
    } else if (err.kind === 'unmapped') {
      results[i] = { status: 'Unmapped', message: err.frappeMessage };
    } else {
      results[i] = { status: 'Error', message: err.frappeMessage };
    }
  });
  return results.map((r) => r ?? { status: 'Error', message: 'not written (internal)' });
}

function checkinDoc(plan: PunchPlan, employee: string): Record<string, unknown> {
  const a = plan.addLog;
  return {
    doctype: CHECKIN_DOCTYPE,
    employee,
    // naive site time, the same string on every retry: HRMS dedups on exact equality (contract.md §4)
    time: a.timestamp,
    device_id: a.device_id,
    // left unset for unknown codes: HRMS allows an empty log_type and matches null to null
    ...(a.log_type ? { log_type: a.log_type } : {}),
  };
}

/** Checkins already there for (employee, time, device_id, log_type), by item index; one GET. */
async function findCheckins(
  client: FrappeClient,
  items: readonly BatchItem[],
  todo: ReadonlyArray<{ i: number; employee: string }>,
): Promise<Map<number, string>> {
  // a time range, not a list of times: it keeps the query string short (see list-in.ts)
  const times = todo.map((t) => items[t.i]!.plan.addLog.timestamp).sort();
  const rows = await listWhereIn<CheckinRow & Record<string, unknown>>(
    client,
    CHECKIN_DOCTYPE,
    ['name', 'employee', 'time', 'log_type', 'device_id'],
    'employee',
    [...new Set(todo.map((t) => t.employee))],
    [
      ['time', '>=', times[0]],
      ['time', '<=', times[times.length - 1]],
    ],
  );
  const out = new Map<number, string>();
  for (const t of todo) {
    const a = items[t.i]!.plan.addLog;
    const hit = rows.find(
      (r) =>
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

/** HRMS links the clashing Checkin: `/app/Form/Employee Checkin/<name>` (v13: `#Form/…`), contract.md §3. */
export function checkinNameIn(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const hit = /Form\/Employee Checkin\/([^"'<>]+)["']/.exec(m);
    if (hit) return hit[1];
  }
  return undefined;
}
