import type { Doc } from './frappe-db.js';
import { type Ctx, DOCTYPES } from './frappe-doctypes.js';
import { doesNotExist, duplicateEntry, FrappeThrow, permissionError, pythonError } from './frappe-errors.js';
import type { Reply, ResourceCall } from './frappe-resource.js';

/** The DocTypes `x05-gateway frappe setup` creates (design.md, Frappe side). */
export const CUSTOM_DOCTYPES = ['Attendance Raw Log', 'Biometric User Map', 'Biometric Device'];

const FIELDTYPE: Record<string, string> = { JSON: 'JSON' };

/** A built-in DocType as GET /api/resource/DocType/{name} shows it (only what a client reads). */
function builtIn(name: string): Doc | undefined {
  const spec = DOCTYPES.get(name);
  if (!spec) return undefined;
  return {
    name,
    doctype: 'DocType',
    module: name.startsWith('Employee') || name === 'Shift Type' ? 'HR' : 'Core',
    custom: CUSTOM_DOCTYPES.includes(name) ? 1 : 0,
    fields: Object.entries(spec.fields).map(([fieldname, f], i) => ({
      fieldname,
      label: f.label,
      fieldtype: FIELDTYPE[f.type] ?? f.type,
      idx: i + 1,
    })),
  };
}

function body(call: ResourceCall): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(call.rawBody);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw pythonError('AttributeError', 'data is not a dict');
}

/**
 * /api/resource/DocType and /api/resource/User/{me}: what provisioning reads and writes (contract.md §5).
 * Creating or changing a DocType needs System Manager; an existing name is 409; `custom: 1` is required
 * outside developer mode (417 CannotCreateStandardDoctypeError).
 */
export function metaResource(ctx: Ctx, call: ResourceCall): Reply {
  if (call.doctype === 'User') {
    if (call.httpMethod !== 'GET' || call.name !== ctx.user) throw permissionError('Not permitted');
    const roles = ctx.roles.map((role, i) => ({ role, parent: ctx.user, parentfield: 'roles', idx: i + 1 }));
    return { status: 200, body: { data: { name: ctx.user, doctype: 'User', enabled: 1, roles } } };
  }
  const existing = (name: string) =>
    ctx.db.get('DocType', name) ?? (ctx.absent.has(name) ? undefined : builtIn(name));
  if (call.httpMethod === 'GET' && call.name !== undefined) {
    const doc = existing(call.name);
    if (!doc) throw doesNotExist(`DocType ${call.name} not found`);
    return { status: 200, body: { data: doc } };
  }
  if (call.httpMethod !== 'POST' && call.httpMethod !== 'PUT') throw permissionError('Not permitted');
  if (!ctx.roles.includes('System Manager')) {
    const perm = call.httpMethod === 'POST' ? 'create' : 'write';
    throw permissionError(
      `User <strong>${ctx.user}</strong> does not have doctype access via role permission for document <strong>DocType</strong>`,
      `Insufficient Permission for DocType (<strong>${perm}</strong>)`,
    );
  }
  const input = body(call);
  if (call.httpMethod === 'PUT') {
    const before = call.name === undefined ? undefined : existing(call.name);
    if (!before) throw doesNotExist(`DocType ${call.name} not found`);
    const doc: Doc = { ...before, ...input, name: before.name, doctype: 'DocType' };
    ctx.db.put(doc);
    return { status: 200, body: { data: doc } };
  }
  const name = String(input.name ?? '');
  if (existing(name)) throw duplicateEntry('DocType', name);
  if (input.custom !== 1) {
    throw new FrappeThrow({
      status: 417,
      excType: 'CannotCreateStandardDoctypeError',
      module: 'frappe.core.doctype.doctype.doctype',
      message: "Not in Developer Mode! Set in site_config.json or make 'Custom' DocType.",
    });
  }
  const doc: Doc = { ...input, name, doctype: 'DocType', owner: ctx.user, docstatus: 0 };
  ctx.db.put(doc);
  // the table is created during the insert (contract.md §5); not undone on rollback, as DDL commits
  ctx.absent.delete(name);
  return { status: 200, body: { data: doc } };
}
