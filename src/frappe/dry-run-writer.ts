import type { Writable } from 'node:stream';
import type { PunchEvent } from '../event/punch-event.js';
import { methodPath, resourcePath } from './client.js';
import { ADD_LOG_METHOD, DEFAULT_EMPLOYEE_FIELDNAME, planPunch, RAW_LOG_DOCTYPE } from './punch-plan.js';
import type { FrappeWriter, WriteOutcome } from './writer.js';

export interface DryRunWriterOptions {
  /** Site base URL, only printed. */
  url: string;
  /** Needed up front: a dry run cannot read System Settings. */
  siteTimezone: string;
  employeeFieldname?: string | undefined;
  out: Writable;
}

/**
 * Prints, one line each, the calls FrappeRestWriter makes for a new punch on the happy path
 * (`METHOD URL JSON-BODY`), and sends nothing. Headers are left out: they hold the API secret.
 */
export class DryRunWriter implements FrappeWriter {
  readonly #url: string;
  readonly #zone: string;
  readonly #fieldname: string;
  readonly #out: Writable;

  constructor(opts: DryRunWriterOptions) {
    this.#url = opts.url.replace(/\/+$/, '');
    this.#zone = opts.siteTimezone;
    this.#fieldname = opts.employeeFieldname ?? DEFAULT_EMPLOYEE_FIELDNAME;
    this.#out = opts.out;
  }

  async writePunch(e: PunchEvent): Promise<WriteOutcome> {
    const plan = planPunch(e, this.#zone, this.#fieldname);
    const put = { status: 'Synced', employee_checkin: '<name from the add_log reply>', error: null };
    this.#out.write(
      [
        `POST ${this.#url}${resourcePath(RAW_LOG_DOCTYPE)} ${JSON.stringify(plan.rawLog)}`,
        `POST ${this.#url}${methodPath(ADD_LOG_METHOD)} ${JSON.stringify(plan.addLog)}`,
        `PUT ${this.#url}${resourcePath(RAW_LOG_DOCTYPE, e.id)} ${JSON.stringify(put)}`,
      ].join('\n') + '\n',
    );
    return { status: 'DryRun', rawLog: e.id };
  }
}
