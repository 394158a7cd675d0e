import type { FrappeClient, FrappeDoc } from './client.js';
import { createMissingDevices } from './device-record.js';
import {
  CHECKIN_EVENT_ID,
  type CustomFieldSeed,
  DEVICE_DOCTYPE,
  DOCTYPE_SEEDS,
  type DocTypeSeed,
  type FieldSeed,
  INTEGRATION_ROLE,
} from './doctype-seed.js';
import { FrappeError } from './errors.js';
import { CHECKIN_DOCTYPE } from './punch-plan.js';

/** Roles that may write Employee Checkin `time` (permlevel 1, frappe §4). */
export const TIME_WRITING_ROLES = ['HR User', 'HR Manager', 'System Manager'];

const GET_ROLES_METHOD = 'frappe.core.doctype.user.user.get_roles';

export interface SetupReport {
  /** Who ran the setup (needs System Manager). */
  admin: string;
  /** The forwarder's API user, whose roles were checked. */
  user: string;
  /** What this run created: the role, DocTypes, the Checkin's event id field. */
  created: string[];
  /** Existing DocTypes that lacked fields or the role's permission rows; those were added. */
  updated: string[];
  unchanged: string[];
  /** What an administrator must fix; empty when the site is ready. */
  problems: string[];
}

/**
 * Prepares a site for the forwarder over REST with a System Manager's key (frappe §5): checks Frappe
 * HR, creates the Biometric Integration role, creates the custom DocTypes that are missing and adds
 * missing fields and permission rows to ones that exist (never removes or changes anything), adds the
 * unique event id field to Employee Checkin, and checks with the forwarder's own key that its user holds
 * the run-time roles. Idempotent: a second run reports everything unchanged and writes nothing.
 */
export async function setupFrappe(
  client: FrappeClient,
  forwarder: FrappeClient = client,
): Promise<SetupReport> {
  const admin = await client.loggedUser();
  const user = forwarder === client ? admin : await forwarder.loggedUser();
  const report: SetupReport = { admin, user, created: [], updated: [], unchanged: [], problems: [] };
  const hrms = await getDoc(client, 'DocType', CHECKIN_DOCTYPE).catch((err: unknown) => {
    // not allowed to read DocTypes: the steps below say that the user lacks System Manager
    if (err instanceof FrappeError && err.kind === 'auth') return null;
    throw err;
  });
  if (hrms === undefined) {
    report.problems.push(
      'Frappe HR is not installed: there is no Employee Checkin DocType (bench get-app hrms; bench --site SITE install-app hrms)',
    );
  }
  // Frappe refuses a Link to a DocType the site lacks (WrongOptionsDoctypeLinkError)
  const needsHrms = (seed: DocTypeSeed) => seed.fields.some((f) => f.options === CHECKIN_DOCTYPE);
  const seeds = DOCTYPE_SEEDS.filter((seed) => hrms !== undefined || !needsHrms(seed));
  for (const seed of DOCTYPE_SEEDS.filter((x) => !seeds.includes(x))) {
    report.problems.push(
      `DocType ${seed.name} not created: it links ${CHECKIN_DOCTYPE}, which comes with Frappe HR`,
    );
  }
  const steps: Array<[string, () => Promise<void>]> = [
    [`role ${INTEGRATION_ROLE}`, () => provisionRole(client, report)],
    ...seeds.map((seed): [string, () => Promise<void>] => [
      `DocType ${seed.name}`,
      () => provisionDocType(client, seed, report),
    ]),
  ];
  if (hrms) {
    steps.push([
      `Custom Field ${CHECKIN_EVENT_ID.dt}.${CHECKIN_EVENT_ID.fieldname}`,
      () => provisionCustomField(client, CHECKIN_EVENT_ID, report),
    ]);
  }
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      if (!(err instanceof FrappeError) || err.kind !== 'auth') throw err;
      report.problems.push(
        `cannot create or change ${what}: user ${admin} needs the System Manager role for setup (${err.frappeMessage})`,
      );
    }
  }
  await checkRoles(forwarder, user, report);
  return report;
}

async function provisionRole(client: FrappeClient, report: SetupReport): Promise<void> {
  if (await getDoc(client, 'Role', INTEGRATION_ROLE)) {
    report.unchanged.push(`Role ${INTEGRATION_ROLE}`);
    return;
  }
  // desk_access: the run-time user is a System User (HR User is a desk role)
  await client.insertDoc('Role', { role_name: INTEGRATION_ROLE, desk_access: 1 });
  report.created.push(`Role ${INTEGRATION_ROLE}`);
}

async function provisionDocType(client: FrappeClient, seed: DocTypeSeed, report: SetupReport): Promise<void> {
  const existing = await getDoc(client, 'DocType', seed.name);
  if (!existing) {
    await client.insertDoc('DocType', { ...seed });
    report.created.push(seed.name);
    return;
  }
  const fields = Array.isArray(existing.fields) ? (existing.fields as FrappeDoc[]) : [];
  const have = new Set(fields.map((x) => String(x.fieldname)));
  const missing = seed.fields.filter((x) => !have.has(x.fieldname));
  const perms = Array.isArray(existing.permissions) ? (existing.permissions as FrappeDoc[]) : [];
  // a site set up before the role existed: add its rows, keep whatever the administrator granted
  const granted = new Set(perms.map((p) => String(p.role)));
  const newRoles = seed.permissions.filter((p) => !granted.has(String(p.role)));
  const links = await deviceLinksToMigrate(client, seed, fields, report);
  if (missing.length === 0 && newRoles.length === 0 && links.length === 0) {
    report.unchanged.push(seed.name);
    return;
  }
  const migrated = fields.map((x) => {
    const to = links.find((l) => l.fieldname === x.fieldname);
    return to ? { ...x, fieldtype: to.fieldtype, options: to.options } : x;
  });
  await client.updateDoc('DocType', seed.name, {
    ...(missing.length > 0 || links.length > 0 ? { fields: [...migrated, ...missing] } : {}),
    ...(newRoles.length > 0 ? { permissions: [...perms, ...newRoles] } : {}),
  });
  const added = [
    ...missing.map((x) => x.fieldname),
    ...links.map((l) => `${l.fieldname} → Link ${l.options}`),
    ...newRoles.map((p) => `permission ${String(p.role)}`),
  ];
  report.updated.push(`${seed.name} (+${added.join(', ')})`);
}

/**
 * The `device` fields an older version made plain Data that the seed now links to Biometric Device. Frappe
 * keeps the rows when a Data field becomes a Link (same varchar column), but would refuse to save any of
 * them again while its value names no record, so a record is created first for every terminal the rows
 * name. A field whose records cannot all be created stays Data (said in `problems`; the next run retries).
 */
async function deviceLinksToMigrate(
  client: FrappeClient,
  seed: DocTypeSeed,
  fields: readonly FrappeDoc[],
  report: SetupReport,
): Promise<FieldSeed[]> {
  const out: FieldSeed[] = [];
  for (const field of seed.fields) {
    const now = fields.find((x) => x.fieldname === field.fieldname);
    if (field.options !== DEVICE_DOCTYPE || now?.fieldtype !== 'Data') continue;
    const rows = await client.getList<Record<string, unknown>>(seed.name, {
      fields: [field.fieldname],
      groupBy: field.fieldname,
      limit: 0,
    });
    const names = [...new Set(rows.map((r) => r[field.fieldname]).filter((v) => typeof v === 'string' && v))];
    const made = await createMissingDevices(
      client,
      names.map((n) => ({ device_id: String(n) })),
    );
    report.created.push(...made.created.map((d) => `${DEVICE_DOCTYPE} ${d}`));
    if (made.refused.length > 0) {
      report.problems.push(
        `${seed.name}.${field.fieldname} stays plain text: Frappe refused a ${DEVICE_DOCTYPE} record for ${made.refused.map((r) => `${r.device} (${r.error.frappeMessage})`).join(', ')}`,
      );
      continue;
    }
    out.push(field);
  }
  return out;
}

async function provisionCustomField(
  client: FrappeClient,
  seed: CustomFieldSeed,
  report: SetupReport,
): Promise<void> {
  const name = `${seed.dt}-${seed.fieldname}`;
  const label = `${seed.dt}.${seed.fieldname} (unique)`;
  if (await getDoc(client, 'Custom Field', name)) {
    report.unchanged.push(label);
    return;
  }
  await client.insertDoc('Custom Field', { ...seed });
  report.created.push(label);
}

async function getDoc(client: FrappeClient, doctype: string, name: string): Promise<FrappeDoc | undefined> {
  try {
    return await client.getDoc(doctype, name);
  } catch (err) {
    if (err instanceof FrappeError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * The forwarder's roles, asked with its own key through get_roles: its User document would not do, since
 * Frappe strips the roles table (permission level 1) for a reader without System Manager.
 */
async function checkRoles(client: FrappeClient, user: string, report: SetupReport): Promise<void> {
  let roles: string[];
  try {
    const json = await client.readMethod(GET_ROLES_METHOD, { uid: user });
    roles = Array.isArray(json.message) ? json.message.map(String) : [];
  } catch (err) {
    if (!(err instanceof FrappeError) || err.kind !== 'auth') throw err;
    report.problems.push(`the forwarder's API key does not work: ${err.frappeMessage}`);
    return;
  }
  // without one of these Frappe silently stores the server's "now" as the punch time (sync-tool #64)
  if (!roles.some((r) => TIME_WRITING_ROLES.includes(r))) {
    report.problems.push(
      `API user ${user} has none of ${TIME_WRITING_ROLES.join(', ')}: Employee Checkin "time" is a permission-level-1 field, so Frappe would store the server's current time instead of the punch time; give the user the HR User role`,
    );
  }
  if (!roles.includes(INTEGRATION_ROLE) && !roles.includes('System Manager')) {
    report.problems.push(
      `API user ${user} lacks the ${INTEGRATION_ROLE} role, which may write the Attendance Raw Log and Biometric Device: add it under User → Roles`,
    );
  }
}
