import type { FrappeClient, FrappeDoc } from './client.js';
import { DOCTYPE_SEEDS, type DocTypeSeed } from './doctype-seed.js';
import { FrappeError } from './errors.js';
import { CHECKIN_DOCTYPE } from './punch-plan.js';

/** Roles that may write Employee Checkin `time` (permlevel 1, contract.md §4). */
export const TIME_WRITING_ROLES = ['HR User', 'HR Manager', 'System Manager'];

export interface SetupReport {
  /** Who ran the setup (needs System Manager). */
  admin: string;
  /** The forwarder's API user, whose roles were checked. */
  user: string;
  created: string[];
  /** Existing DocTypes that lacked fields; the fields were added. */
  updated: string[];
  unchanged: string[];
  /** What an administrator must fix; empty when the site is ready. */
  problems: string[];
}

/**
 * Prepares a site for the forwarder over REST with the admin's token (contract.md §5): checks Frappe HR,
 * creates the custom DocTypes that are missing, adds missing fields to ones that exist (never removes or
 * changes a field), and checks that the API user may set Checkin `time`. Idempotent: a second run
 * reports everything unchanged and writes nothing.
 */
export async function setupFrappe(
  client: FrappeClient,
  forwarder: FrappeClient = client,
): Promise<SetupReport> {
  const admin = await client.loggedUser();
  const user = forwarder === client ? admin : await forwarder.loggedUser();
  const report: SetupReport = { admin, user, created: [], updated: [], unchanged: [], problems: [] };
  if (!(await getDocType(client, CHECKIN_DOCTYPE))) {
    report.problems.push(
      'Frappe HR is not installed: there is no Employee Checkin DocType (bench get-app hrms; bench --site SITE install-app hrms)',
    );
  }
  for (const seed of DOCTYPE_SEEDS) {
    try {
      await provision(client, seed, report);
    } catch (err) {
      if (!(err instanceof FrappeError) || err.kind !== 'auth') throw err;
      report.problems.push(
        `cannot create or change DocType ${seed.name}: user ${admin} needs the System Manager role for setup (${err.frappeMessage})`,
      );
    }
  }
  // a user may read its own User document, so the forwarder's key is enough for this check
  await checkRoles(forwarder, user, report);
  return report;
}

async function provision(client: FrappeClient, seed: DocTypeSeed, report: SetupReport): Promise<void> {
  const existing = await getDocType(client, seed.name);
  if (!existing) {
    await client.insertDoc('DocType', { ...seed });
    report.created.push(seed.name);
    return;
  }
  const have = new Set(
    (Array.isArray(existing.fields) ? existing.fields : []).map((x) => String((x as FrappeDoc).fieldname)),
  );
  const missing = seed.fields.filter((x) => !have.has(x.fieldname));
  if (missing.length === 0) {
    report.unchanged.push(seed.name);
    return;
  }
  await client.updateDoc('DocType', seed.name, { fields: [...(existing.fields as unknown[]), ...missing] });
  report.updated.push(`${seed.name} (+${missing.map((x) => x.fieldname).join(', ')})`);
}

async function getDocType(client: FrappeClient, name: string): Promise<FrappeDoc | undefined> {
  try {
    return await client.getDoc('DocType', name);
  } catch (err) {
    if (err instanceof FrappeError && err.status === 404) return undefined;
    throw err;
  }
}

/** Without one of these roles Frappe silently stores the server's "now" as the punch time (sync-tool #64). */
async function checkRoles(client: FrappeClient, user: string, report: SetupReport): Promise<void> {
  let roles: string[];
  try {
    const doc = await client.getDoc('User', user);
    roles = (Array.isArray(doc.roles) ? doc.roles : []).map((r) => String((r as FrappeDoc).role));
  } catch (err) {
    if (!(err instanceof FrappeError) || (err.status !== 403 && err.status !== 404)) throw err;
    report.problems.push(`cannot read the roles of ${user}; make sure it has HR User or HR Manager`);
    return;
  }
  if (!roles.some((r) => TIME_WRITING_ROLES.includes(r))) {
    report.problems.push(
      `API user ${user} has none of ${TIME_WRITING_ROLES.join(', ')}: Employee Checkin "time" is a permission-level-1 field, so Frappe would store the server's current time instead of the punch time; give the user the HR User role`,
    );
  }
}
