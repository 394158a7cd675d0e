import type { PunchEvent } from '../event/index.js';
import { DEFAULT_TIME_BOUNDS, type TimeBounds } from '../event/index.js';
import { type BatchItem, type CheckinResult, writeCheckins } from './checkin-stage.js';
import type { FrappeClient, FrappeDoc } from './client.js';
import { createMissingDevices, type DeviceDoc, modeOfSource } from './device-record.js';
import { CHECKIN_EVENT_ID } from './doctype-seed.js';
import { EmployeeResolver } from './employee-resolver.js';
import { FrappeError } from './errors.js';
import { INSERT_MANY_MAX, INSERT_MANY_METHOD, insertManyIsolating, mapLimit } from './insert-many.js';
import { listWhereIn } from './list-in.js';
import {
  CHECKIN_DOCTYPE,
  DEFAULT_EMPLOYEE_FIELDNAME,
  type LogType,
  planPunch,
  RAW_LOG_DOCTYPE,
  type RawLogStatus,
} from './punch-plan.js';
import { hasField, readOnce, readSiteTimezone } from './site-settings.js';
import type { FrappeWriter, WriteOutcome } from './writer.js';

export type { BatchItem, CheckinResult };

/** What the Raw Log stage found for one punch. */
export type RawLogState =
  | { kind: 'new' }
  | { kind: 'existing'; status: RawLogStatus; checkin: string | undefined }
  /** Frappe refused the audit record itself (e.g. a field too long): it goes to the dead-letter topic. */
  | { kind: 'refused'; message: string };

export interface FrappeBatchWriterOptions {
  client: FrappeClient;
  /** config `frappe.site_timezone`; read from System Settings when absent. */
  siteTimezone?: string | undefined;
  employeeFieldname?: string | undefined;
  /** Terminals that only ever mean IN (or OUT), whatever key the employee pressed. */
  deviceLogTypes?: Readonly<Record<string, LogType>> | undefined;
  /** Raw Log status updates in flight at once (one PUT each; Frappe has no bulk update in the contract). */
  statusConcurrency?: number | undefined;
  /** How long an employee lookup is trusted. */
  resolverTtlMs?: number | undefined;
  /** Punch times outside these are parked as Error, never a Checkin. Default 2000-01-01 … now + 1 day. */
  timeBounds?: TimeBounds | undefined;
}

/**
 * The batching writer. A batch goes through stages the forwarder drives (and retries) separately:
 * 1. `findRawLogs`: which punches an earlier, interrupted write already recorded (one GET per 200);
 * 2. `writeCheckins`: Employee Checkins, ≤ 200 per insert_many, run one batch at a time (per employee
 *    order, and HRMS's racy duplicate check, frappe §4);
 * 3. `recordRawLogs`: the audit trail with each punch's final status and Checkin link, new ones ≤ 200 per
 *    insert_many with refused ones isolated, earlier ones updated by bounded concurrent PUTs.
 * `writePunch` runs them for one punch, so it also fits where a FrappeWriter is expected.
 */
export class FrappeBatchWriter implements FrappeWriter {
  readonly client: FrappeClient;
  readonly resolver: EmployeeResolver;
  readonly #deviceLogTypes: Readonly<Record<string, LogType>>;
  readonly #statusConcurrency: number;
  readonly #fieldname: string;
  /** The site's system zone (configured, or read once from the site). */
  readonly siteZone: () => Promise<string>;
  /**
   * Whether Employee Checkin has the unique event id field (`frappe setup` adds it): read once from the
   * DocType's meta, which the run-time user may load. Without it exactly-once rests on the lookup alone.
   */
  readonly checkinEventId: () => Promise<boolean>;
  readonly #timeBounds: TimeBounds;
  /** Terminals whose Biometric Device record is known to exist: a Raw Log's `device` links to it. */
  readonly #devices = new Set<string>();

  constructor(opts: FrappeBatchWriterOptions) {
    this.client = opts.client;
    this.#fieldname = opts.employeeFieldname ?? DEFAULT_EMPLOYEE_FIELDNAME;
    this.resolver = new EmployeeResolver(opts.client, this.#fieldname, opts.resolverTtlMs);
    this.#timeBounds = opts.timeBounds ?? DEFAULT_TIME_BOUNDS;
    this.#deviceLogTypes = opts.deviceLogTypes ?? {};
    this.#statusConcurrency = opts.statusConcurrency ?? 16;
    this.siteZone = readOnce(() => readSiteTimezone(this.client), opts.siteTimezone || undefined);
    this.checkinEventId = readOnce(() => hasField(this.client, CHECKIN_DOCTYPE, CHECKIN_EVENT_ID.fieldname));
  }

  /** Both documents of each punch, times in the site zone, per-device log_type override applied. */
  async prepare(events: readonly PunchEvent[]): Promise<BatchItem[]> {
    const zone = await this.siteZone();
    return events.map((event) => {
      const plan = planPunch(event, zone, this.#fieldname);
      const fixed = this.#deviceLogTypes[event.device_id];
      if (fixed) {
        plan.addLog.log_type = fixed;
        plan.rawLog.event_type = fixed;
      }
      return { event, plan };
    });
  }

  /** Which punches have a Raw Log already: one GET per 200. A final status means a whole earlier write landed. */
  async findRawLogs(items: readonly BatchItem[]): Promise<RawLogState[]> {
    const found = new Map<string, RawLogState>();
    for (let start = 0; start < items.length; start += INSERT_MANY_MAX) {
      const ids = items.slice(start, start + INSERT_MANY_MAX).map((it) => it.event.id);
      for (const [k, v] of await this.existingRawLogs(ids)) found.set(k, v);
    }
    return items.map((it) => found.get(it.event.id) ?? { kind: 'new' });
  }

  async writeCheckins(items: readonly BatchItem[]): Promise<CheckinResult[]> {
    return writeCheckins(this.client, this.resolver, items, {
      bounds: this.#timeBounds,
      eventIdField: await this.checkinEventId(),
    });
  }

  /**
   * Writes each punch's Raw Log with its final status and Checkin link: new ones by insert_many (one call
   * per 200 instead of a status PUT per punch), ones an older version left Pending by PUT. Returns, per
   * item, Frappe's refusal of the Raw Log itself (the caller dead-letters it), else undefined.
   */
  async recordRawLogs(
    items: readonly BatchItem[],
    results: readonly CheckinResult[],
    states: readonly RawLogState[],
  ): Promise<Array<string | undefined>> {
    await this.ensureDevices(items);
    const refused: Array<string | undefined> = items.map(() => undefined);
    const fresh = items.flatMap((_, i) => (states[i]?.kind === 'new' ? [i] : []));
    const idOf = (k: number) => items[fresh[k]!]!.event.id;
    const doc = (i: number) => ({
      doctype: RAW_LOG_DOCTYPE,
      ...items[i]!.plan.rawLog,
      ...final(results[i]!),
    });
    // a refusal is most often a retry whose first attempt committed (409): one GET tells which
    const written = await insertManyIsolating(this.client, fresh.map(doc), async (at) => {
      const there = await this.existingRawLogs(at.map(idOf));
      return new Map(at.flatMap((k) => (there.has(idOf(k)) ? [[k, idOf(k)] as const] : [])));
    });
    const retry: Array<{ i: number; why: string }> = [];
    fresh.forEach((i, k) => {
      const w = written[k]!;
      // 409: a second forwarder wrote it meanwhile, with the same Checkin found by lookup
      if ('error' in w && w.error.kind !== 'duplicate') retry.push({ i, why: w.error.frappeMessage });
    });
    // refused as sent (over a proxy's body limit, a validation a site added): park it once more in its
    // smallest form, so the punch is still in Frappe with the reason
    const again = await insertManyIsolating(
      this.client,
      retry.map(({ i, why }) => trimmed(doc(i), why)),
    );
    retry.forEach(({ i, why }, k) => {
      const w = again[k]!;
      if ('error' in w && w.error.kind !== 'duplicate')
        refused[i] = `${why}; trimmed: ${w.error.frappeMessage}`;
    });
    const stale = items.flatMap((_, i) => (states[i]?.kind === 'existing' ? [i] : []));
    await mapLimit(stale, this.#statusConcurrency, async (i) => {
      await this.client.updateDoc(RAW_LOG_DOCTYPE, items[i]!.event.id, final(results[i]!));
    });
    return refused;
  }

  async writePunch(e: PunchEvent): Promise<WriteOutcome> {
    const items = await this.prepare([e]);
    const states = await this.findRawLogs(items);
    const state = states[0]!;
    if (state.kind === 'existing' && state.status !== 'Pending') {
      return { status: 'Synced', rawLog: e.id, checkin: state.checkin, via: 'already-synced' };
    }
    const results = await this.writeCheckins(items);
    const [refused] = await this.recordRawLogs(items, results, states);
    if (refused !== undefined) {
      throw new FrappeError({
        status: 417,
        httpMethod: 'POST',
        path: `/api/method/${INSERT_MANY_METHOD}`,
        doctype: RAW_LOG_DOCTYPE,
        messages: [refused],
      });
    }
    const r = results[0]!;
    return { status: r.status, rawLog: e.id, checkin: r.checkin, via: r.via, ...msg(r) };
  }

  /**
   * Creates the Biometric Device record of each terminal in `items` that has none yet (one GET per
   * unknown terminal per process), as Frappe refuses a Raw Log whose `device` names no record
   * (LinkValidationError). A refusal that is not about the site is left to the Raw Log insert to report.
   */
  private async ensureDevices(items: readonly BatchItem[]): Promise<void> {
    const docs = new Map<string, DeviceDoc>();
    for (const { event, plan } of items) {
      const id = plan.rawLog.device;
      if (this.#devices.has(id) || docs.has(id)) continue;
      docs.set(id, {
        device_id: id,
        site: event.site,
        timezone: event.timezone,
        mode: modeOfSource(event.source),
      });
    }
    if (docs.size === 0) return;
    try {
      const { present } = await createMissingDevices(this.client, [...docs.values()]);
      for (const d of present) this.#devices.add(d);
    } catch (err) {
      if (!(err instanceof FrappeError) || err.kind === 'retryable' || err.kind === 'auth') throw err;
    }
  }

  private async existingRawLogs(ids: string[]): Promise<Map<string, RawLogState>> {
    const rows = await listWhereIn<FrappeDoc>(
      this.client,
      RAW_LOG_DOCTYPE,
      ['name', 'status', 'employee_checkin'],
      'name',
      ids,
    );
    return new Map(
      rows.map((r) => [
        r.name,
        {
          kind: 'existing',
          status: (r.status as RawLogStatus | undefined) ?? 'Pending',
          checkin:
            typeof r.employee_checkin === 'string' && r.employee_checkin ? r.employee_checkin : undefined,
        },
      ]),
    );
  }
}

/** The Raw Log fields that say where the punch ended up (design.md: status Synced/Unmapped/Error). */
function final(r: CheckinResult): Record<string, unknown> {
  return r.status === 'Synced'
    ? { status: 'Synced', employee_checkin: r.checkin ?? null, error: null }
    : { status: r.status, employee_checkin: null, error: r.message ?? null };
}

/**
 * The smallest form of a Raw Log Frappe refused as sent: the punch's own fields and status stay, the
 * source payload (the bulk of the document) is left out, and `error` says why.
 */
function trimmed(doc: Record<string, unknown>, why: string): Record<string, unknown> {
  const payload = String(doc.source_payload ?? '');
  const note = `Frappe refused this Raw Log as sent: ${why}`;
  return {
    ...doc,
    // a JSON field: what was left out, as JSON
    source_payload: JSON.stringify({ omitted_bytes: Buffer.byteLength(payload) }),
    error: doc.error ? `${String(doc.error)}\n${note}` : note,
  };
}

function msg(r: CheckinResult): { message?: string } {
  return r.message === undefined ? {} : { message: r.message };
}
