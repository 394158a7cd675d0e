import { DOCTYPE_SEEDS, INTEGRATION_ROLE } from '../../src/frappe/doctype-seed.js';
import type { Ctx } from './frappe-doctypes.js';
import { permissionError } from './frappe-errors.js';

export type PermType = 'read' | 'write' | 'create' | 'delete';
type Rule = { role: string } & Partial<Record<PermType, number>>;

const all = (role: string): Rule => ({ role, read: 1, write: 1, create: 1, delete: 1 });
const read = (role: string): Rule => ({ role, read: 1 });

/** Level-0 role permissions of the built-in DocTypes a punch writer touches (Frappe, ERPNext, HRMS). */
const BUILT_IN: Record<string, Rule[]> = {
  Employee: [all('HR Manager'), { role: 'HR User', read: 1, write: 1, create: 1 }, read('Employee')],
  // frappe §4: Employee may create at level 0 but not set the level-1 `time`
  'Employee Checkin': [
    all('System Manager'),
    all('HR Manager'),
    all('HR User'),
    { role: 'Employee', read: 1, write: 1, create: 1 },
  ],
  'Shift Type': [all('HR Manager'), all('HR User'), all('System Manager')],
  // System Manager only on v15: an integration user cannot read the site's time zone here
  'System Settings': [{ role: 'System Manager', read: 1, write: 1 }],
  DocType: [all('System Manager')],
  'Custom Field': [all('System Manager')],
  Role: [all('System Manager')],
  User: [all('System Manager')],
};

/** Roles that may write the permission-level-1 Checkin `time` (frappe §4). */
export const TIME_ROLES = ['HR User', 'HR Manager', 'System Manager'];

/** The run-time roles `frappe setup` asks for: HR User plus the role it grants on its own DocTypes. */
export const RUNTIME_ROLES = ['HR User', INTEGRATION_ROLE];

/** Custom DocTypes' rules: what setup (or an administrator) wrote into the DocType, else our seed. */
function rulesOf(ctx: Ctx, doctype: string): Rule[] {
  const created = ctx.db.get('DocType', doctype);
  if (created && Array.isArray(created.permissions)) return created.permissions as Rule[];
  const seed = DOCTYPE_SEEDS.find((s) => s.name === doctype);
  if (seed) return seed.permissions as Rule[];
  return BUILT_IN[doctype] ?? [];
}

/** The permission a REST verb needs: GET read, POST create, DELETE delete, PUT write. */
export function ptypeOf(httpMethod: string): PermType {
  if (httpMethod === 'GET') return 'read';
  if (httpMethod === 'POST') return 'create';
  return httpMethod === 'DELETE' ? 'delete' : 'write';
}

export function permitted(ctx: Ctx, doctype: string, ptype: PermType): boolean {
  if (ctx.user === 'Administrator') return true;
  return rulesOf(ctx, doctype).some((r) => ctx.roles.includes(r.role) && Number(r[ptype] ?? 0) === 1);
}

/** frappe.has_permission failing for a DocType: 403 with the message Frappe v15 gives (frappe §3). */
export function assertPermitted(ctx: Ctx, doctype: string, ptype: PermType): void {
  if (permitted(ctx, doctype, ptype)) return;
  throw permissionError(
    `User <strong>${ctx.user}</strong> does not have doctype access via role permission for document <strong>${doctype}</strong>`,
    `Insufficient Permission for ${doctype} (<strong>${ptype}</strong>)`,
  );
}
