import type { Ctx } from './frappe-doctypes.js';
import { insertDoc, serialize } from './frappe-documents.js';
import { FrappeThrow, permissionError, pythonError, validationError } from './frappe-errors.js';
import { docTypeBundle } from './frappe-meta.js';

export interface MethodCall {
  httpMethod: string;
  cmd: string;
  args: Record<string, unknown>;
}

type Method = {
  guest?: boolean;
  verbs?: readonly string[];
  /** The function writes frappe.response itself instead of returning `message`. */
  raw?: boolean;
  run(ctx: Ctx, call: MethodCall): unknown;
};

const ADD_LOG = 'add_log_based_on_employee_field';

/** Frappe's cint: int(float(x)) for numbers and numeric strings, else 0 ("true" → 0, frappe §4). */
function cint(v: unknown): number {
  if (v === true) return 1;
  const n = Number.parseFloat(String(v));
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** hrms employee_checkin.add_log_based_on_employee_field (frappe §4, whitelisted method). */
function addLog(ctx: Ctx, { args }: MethodCall): unknown {
  const missing = ['employee_field_value', 'timestamp'].filter((k) => !(k in args));
  if (missing.length > 0) {
    const n = missing.length;
    throw pythonError(
      'TypeError',
      `${ADD_LOG}() missing ${n} required positional argument${n > 1 ? 's' : ''}: ${missing.map((m) => `'${m}'`).join(' and ')}`,
    );
  }
  if (!args.employee_field_value || !args.timestamp) {
    throw validationError("'employee_field_value' and 'timestamp' are required.", { source: 'hrms (app)' });
  }
  const fieldname = String(args.employee_fieldname || 'attendance_device_id');
  if (!['name', 'employee_name', 'attendance_device_id', 'status'].includes(fieldname)) {
    throw pythonError(
      'OperationalError',
      `(1054, "Unknown column '${fieldname}' in 'where clause'")`,
      'pymysql.err',
    );
  }
  // no permission check on the lookup; first match wins; SQL compares '4711' = 4711 equal
  const value = String(args.employee_field_value);
  const employee = ctx.db
    .all('Employee')
    .find((e) => e[fieldname] !== null && String(e[fieldname]) === value);
  if (!employee) {
    throw validationError(`No Employee found for the given employee field value. '${fieldname}': ${value}`, {
      source: 'hrms (app)',
    });
  }
  const doc = insertDoc(ctx, 'Employee Checkin', {
    employee: employee.name,
    time: args.timestamp,
    device_id: args.device_id ?? null,
    log_type: args.log_type ?? null,
    ...(cint(args.skip_auto_attendance) === 1 ? { skip_auto_attendance: 1 } : {}),
  });
  return serialize(doc);
}

const MAX_INSERTS = 200;

/** frappe.client.insert_many: ≤ 200, in order, one transaction (frappe §2). */
function insertMany(ctx: Ctx, { args }: MethodCall): unknown {
  let docs = args.docs;
  if (typeof docs === 'string') docs = JSON.parse(docs);
  if (!Array.isArray(docs)) throw validationError('docs must be a list');
  if (docs.length > MAX_INSERTS) throw validationError(`Only ${MAX_INSERTS} inserts allowed in one request`);
  return docs.map((d: Record<string, unknown>) => {
    const { doctype, ...fields } = d;
    return insertDoc(ctx, String(doctype), fields).name;
  });
}

/** frappe.get_roles: the user's roles plus the automatic ones every user has. */
function getRoles(ctx: Ctx, { args }: MethodCall): unknown {
  // form_dict["uid"]: a KeyError without it
  if (!('uid' in args)) throw pythonError('KeyError', "'uid'");
  return [...(ctx.users.get(String(args.uid)) ?? []), 'All', 'Guest'];
}

const METHODS: ReadonlyMap<string, Method> = new Map<string, Method>([
  ['ping', { guest: true, run: () => 'pong' }],
  ['frappe.auth.get_logged_user', { run: (ctx) => ctx.user }],
  // whitelisted for any logged-in user, whoever `uid` is
  ['frappe.core.doctype.user.user.get_roles', { run: getRoles }],
  // the site's default time zone, for anyone (allow_guest); null when System Settings has none
  [
    'frappe.client.get_time_zone',
    {
      guest: true,
      run: (ctx) => ({ time_zone: ctx.db.get('System Settings', 'System Settings')?.time_zone ?? null }),
    },
  ],
  [
    'frappe.desk.form.load.getdoctype',
    {
      raw: true,
      run: (ctx, { args }) => ({ docs: [docTypeBundle(ctx, String(args.doctype))], user_settings: '{}' }),
    },
  ],
  [`hrms.hr.doctype.employee_checkin.employee_checkin.${ADD_LOG}`, { run: addLog }],
  ['frappe.client.insert_many', { verbs: ['POST', 'PUT'], run: insertMany }],
]);

/** /api/method/{cmd}: import (417 if it fails), whitelist/guest check (403), verb check (403), call. */
export function callMethod(ctx: Ctx, call: MethodCall): unknown {
  const hrmsMissing = ctx.withoutHrms && call.cmd.startsWith('hrms.');
  const m = hrmsMissing ? undefined : METHODS.get(call.cmd);
  if (!m) {
    // e.g. the pre-split erpnext.hr… path on v14+ (frappe §4)
    const mod = hrmsMissing ? 'hrms' : call.cmd.split('.').slice(0, 2).join('.');
    throw validationError(`Failed to get method for command ${call.cmd} with No module named '${mod}'`);
  }
  if (ctx.user === 'Guest' && !m.guest) {
    throw new FrappeThrow({
      status: 403,
      excType: 'PermissionError',
      module: 'frappe.exceptions',
      title: 'Method Not Allowed',
      message: `<details><summary>You are not permitted to access this resource.</summary>Function <strong>${call.cmd}</strong> is not whitelisted.</details>`,
    });
  }
  if (m.verbs && !m.verbs.includes(call.httpMethod)) throw permissionError('Not permitted');
  const result = m.run(ctx, call);
  // a function returning None gives `{}` (frappe §2, success envelopes)
  if (m.raw) return result;
  return result === undefined ? {} : { message: result };
}
