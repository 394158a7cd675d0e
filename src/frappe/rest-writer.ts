import type { PunchEvent } from '../event/punch-event.js';
import type { FrappeClient, FrappeDoc } from './client.js';
import { FrappeError } from './errors.js';
import {
  ADD_LOG_METHOD,
  type AddLogArgs,
  CHECKIN_DOCTYPE,
  DEFAULT_EMPLOYEE_FIELDNAME,
  EMPLOYEE_DOCTYPE,
  type PunchPlan,
  planPunch,
  RAW_LOG_DOCTYPE,
} from './punch-plan.js';
import { readSiteTimezone } from './site-settings.js';
import type { FrappeWriter, WriteOutcome } from './writer.js';

export interface FrappeRestWriterOptions {
  client: FrappeClient;
  /** config `frappe.site_timezone`; read from System Settings when absent. */
  siteTimezone?: string | undefined;
  /** config `frappe.employee_fieldname`. */
  employeeFieldname?: string | undefined;
}

/**
 * The real writer: Attendance Raw Log first (the audit trail; its name is the event id, so a replay
 * answers 409), then the HRMS Employee Checkin, then the Raw Log's status (design.md, Frappe side).
 */
export class FrappeRestWriter implements FrappeWriter {
  readonly #client: FrappeClient;
  readonly #fieldname: string;
  #siteZone: Promise<string> | undefined;

  constructor(opts: FrappeRestWriterOptions) {
    this.#client = opts.client;
    this.#fieldname = opts.employeeFieldname ?? DEFAULT_EMPLOYEE_FIELDNAME;
    if (opts.siteTimezone) this.#siteZone = Promise.resolve(opts.siteTimezone);
  }

  async writePunch(e: PunchEvent): Promise<WriteOutcome> {
    const plan = planPunch(e, await this.siteZone(), this.#fieldname);
    const existing = await this.insertRawLog(plan);
    if (existing?.status === 'Synced') {
      return {
        status: 'Synced',
        rawLog: e.id,
        checkin: stringOr(existing.employee_checkin),
        via: 'already-synced',
      };
    }
    if (existing) {
      // An earlier attempt may have landed its Checkin before failing (a timeout can still commit,
      // contract.md §3), and HRMS's own duplicate check is racy: look before inserting again.
      const found = await this.findCheckin(plan.addLog);
      if (found) return this.markSynced(e.id, found, 'found-existing');
    }
    let checkin: FrappeDoc | undefined;
    try {
      checkin = await this.#client.callMethod<FrappeDoc>(ADD_LOG_METHOD, { ...plan.addLog });
    } catch (err) {
      if (!(err instanceof FrappeError)) throw err;
      switch (err.kind) {
        case 'duplicate':
          return this.markSynced(e.id, checkinNameIn(err.messages), 'hrms-duplicate');
        case 'unmapped':
          return this.markParked(e.id, 'Unmapped', err.frappeMessage);
        case 'validation':
          // HRMS missing or on a pre-split path (contract.md §4): every punch would fail the same way, so
          // this is for an operator, not a per-punch Error
          if (err.messages.some((m) => m.startsWith('Failed to get method'))) throw err;
          return this.markParked(e.id, 'Error', err.frappeMessage);
        default:
          throw err;
      }
    }
    return this.markSynced(e.id, stringOr(checkin?.name), 'inserted');
  }

  private siteZone(): Promise<string> {
    if (!this.#siteZone) {
      const reading = readSiteTimezone(this.#client);
      // forget a failed read so the next punch asks again
      reading.catch(() => {
        if (this.#siteZone === reading) this.#siteZone = undefined;
      });
      this.#siteZone = reading;
    }
    return this.#siteZone;
  }

  /** Inserts the Raw Log; on 409 (already written) returns the stored one instead. */
  private async insertRawLog(plan: PunchPlan): Promise<FrappeDoc | undefined> {
    try {
      await this.#client.insertDoc(RAW_LOG_DOCTYPE, { ...plan.rawLog });
      return undefined;
    } catch (err) {
      if (!(err instanceof FrappeError) || err.kind !== 'duplicate') throw err;
      return this.#client.getDoc(RAW_LOG_DOCTYPE, plan.rawLog.hash);
    }
  }

  /** The Checkin HRMS would call a duplicate: same employee, time and log_type (contract.md §4, rule 3). */
  private async findCheckin(args: AddLogArgs): Promise<string | undefined> {
    const [employee] = await this.#client.getList(EMPLOYEE_DOCTYPE, {
      fields: ['name'],
      filters: [[args.employee_fieldname, '=', args.employee_field_value]],
      limit: 1,
    });
    if (!employee) return undefined;
    const rows = await this.#client.getList(CHECKIN_DOCTYPE, {
      fields: ['name', 'log_type'],
      filters: [
        ['employee', '=', employee.name],
        ['time', '=', args.timestamp],
      ],
      limit: 0,
    });
    return rows.find((r) => (r.log_type || null) === args.log_type)?.name;
  }

  private async markSynced(
    rawLog: string,
    checkin: string | undefined,
    via: NonNullable<WriteOutcome['via']>,
  ): Promise<WriteOutcome> {
    await this.#client.updateDoc(RAW_LOG_DOCTYPE, rawLog, {
      status: 'Synced',
      employee_checkin: checkin ?? null,
      error: null,
    });
    return { status: 'Synced', rawLog, checkin, via };
  }

  private async markParked(
    rawLog: string,
    status: 'Unmapped' | 'Error',
    message: string,
  ): Promise<WriteOutcome> {
    await this.#client.updateDoc(RAW_LOG_DOCTYPE, rawLog, { status, error: message });
    return { status, rawLog, message };
  }
}

function stringOr(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** HRMS links the clashing Checkin: `/app/Form/Employee Checkin/<name>` (v13: `#Form/…`), contract.md §3. */
function checkinNameIn(messages: readonly string[]): string | undefined {
  for (const m of messages) {
    const hit = /Form\/Employee Checkin\/([^"'<>]+)["']/.exec(m);
    if (hit) return hit[1];
  }
  return undefined;
}
