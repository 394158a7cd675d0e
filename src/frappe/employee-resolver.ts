import type { FrappeClient } from './client.js';
import { FrappeError } from './errors.js';
import { listWhereIn } from './list-in.js';
import { EMPLOYEE_DOCTYPE } from './punch-plan.js';

/** Custom DocType written by `frappe setup` (design.md, Frappe side). */
export const USER_MAP_DOCTYPE = 'Biometric User Map';

/** Who punched: a device user on one terminal at one site. */
export interface PunchKey {
  user: string;
  device: string;
  site: string;
}

/** An employee found for a key, or why none may be written (never a guess: a wrong employee is worse than a parked punch). */
export type Resolution =
  | { employee: string; via: 'user-map' | 'employee-field' }
  | { miss: 'unmapped' | 'inactive'; reason: string };

interface MapRow {
  device_user_id: string;
  employee: string;
  device?: string | null;
  site?: string | null;
}

interface EmployeeRow {
  name: string;
  status?: string;
  [field: string]: unknown;
}

interface Cached<T> {
  value: T;
  at: number;
}

/**
 * Device user → Employee: Biometric User Map (device-specific row, then site-wide, then global) before
 * Employee.<employee_fieldname> (attendance_device_id: unique site-wide, so it cannot tell two sites'
 * user 7 apart — frappe §4). Answers are cached for `ttlMs` so a batch costs at most three GETs and
 * a mapping added by HR is picked up within that time.
 */
export class EmployeeResolver {
  readonly #client: FrappeClient;
  readonly #fieldname: string;
  readonly #ttlMs: number;
  readonly #maps = new Map<string, Cached<MapRow[]>>();
  readonly #byField = new Map<string, Cached<EmployeeRow | undefined>>();
  readonly #byName = new Map<string, Cached<EmployeeRow | undefined>>();
  #noUserMap: Cached<boolean> | undefined;

  constructor(client: FrappeClient, fieldname: string, ttlMs = 60_000) {
    this.#client = client;
    this.#fieldname = fieldname;
    this.#ttlMs = ttlMs;
  }

  /** Forget everything (the unmapped retry pass wants fresh answers). */
  clear(): void {
    this.#maps.clear();
    this.#byField.clear();
    this.#byName.clear();
    this.#noUserMap = undefined;
  }

  async resolve(keys: readonly PunchKey[]): Promise<Resolution[]> {
    const users = [...new Set(keys.map((k) => k.user))];
    await this.loadMaps(users.filter((u) => !this.fresh(this.#maps.get(u))));
    await this.loadEmployees(
      this.#fieldname,
      users.filter((u) => !this.fresh(this.#byField.get(u))),
      this.#byField,
    );
    const mapped = users.flatMap((u) => (this.#maps.get(u)?.value ?? []).map((r) => r.employee));
    await this.loadEmployees(
      'name',
      [...new Set(mapped)].filter((n) => !this.fresh(this.#byName.get(n))),
      this.#byName,
    );
    return keys.map((k) => this.pick(k));
  }

  private pick(k: PunchKey): Resolution {
    const rows = this.#maps.get(k.user)?.value ?? [];
    const row =
      rows.find((r) => r.device === k.device) ??
      rows.find((r) => !r.device && r.site === k.site) ??
      rows.find((r) => !r.device && !r.site);
    let emp: EmployeeRow | undefined;
    let via: 'user-map' | 'employee-field';
    if (row) {
      emp = this.#byName.get(row.employee)?.value;
      via = 'user-map';
    } else {
      emp = this.#byField.get(k.user)?.value;
      via = 'employee-field';
    }
    if (!emp) {
      return {
        miss: 'unmapped',
        reason: row
          ? `Biometric User Map points device user ${k.user} to Employee ${row.employee}, which does not exist`
          : `No Biometric User Map row for device user ${k.user} (device ${k.device}, site ${k.site}) and no Employee with ${this.#fieldname} = ${k.user}`,
      };
    }
    // only Inactive blocks a Checkin (frappe §4, rule 2); park it like an unmapped user
    if (emp.status === 'Inactive') {
      return { miss: 'inactive', reason: `Employee ${emp.name} (device user ${k.user}) is Inactive` };
    }
    return { employee: emp.name, via };
  }

  private fresh(c: Cached<unknown> | undefined): boolean {
    return c !== undefined && Date.now() - c.at < this.#ttlMs;
  }

  private async loadMaps(users: string[]): Promise<void> {
    if (users.length === 0) return;
    const now = Date.now();
    let rows: MapRow[] = [];
    if (!(this.fresh(this.#noUserMap) && this.#noUserMap?.value)) {
      try {
        rows = await listWhereIn<MapRow & Record<string, unknown>>(
          this.#client,
          USER_MAP_DOCTYPE,
          ['device_user_id', 'employee', 'device', 'site'],
          'device_user_id',
          users,
        );
        this.#noUserMap = { value: false, at: now };
      } catch (err) {
        // `frappe setup` not run on this site: fall back to the Employee field alone
        if (!(err instanceof FrappeError) || err.status !== 404) throw err;
        this.#noUserMap = { value: true, at: now };
      }
    }
    for (const u of users) {
      this.#maps.set(u, { value: rows.filter((r) => String(r.device_user_id) === u), at: now });
    }
  }

  private async loadEmployees(
    field: string,
    values: string[],
    into: Map<string, Cached<EmployeeRow | undefined>>,
  ): Promise<void> {
    if (values.length === 0) return;
    const now = Date.now();
    const rows = await listWhereIn<EmployeeRow>(
      this.#client,
      EMPLOYEE_DOCTYPE,
      [...new Set(['name', 'status', field])],
      field,
      values,
    );
    for (const v of values) into.set(v, { value: rows.find((r) => String(r[field]) === v), at: now });
  }
}
