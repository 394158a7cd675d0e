import { DEVICE_DOCTYPE, DOCTYPE_SEEDS } from '../../src/frappe/doctype-seed.js';
import type { Doc } from './frappe-db.js';
import { type Ctx, DOCTYPES, type FieldSpec } from './frappe-doctypes.js';
import { specOf } from './frappe-documents.js';
import {
  doesNotExist,
  duplicateEntry,
  FrappeThrow,
  permissionError,
  pythonError,
  validationError,
} from './frappe-errors.js';
import { assertPermitted, permitted, ptypeOf } from './frappe-perms.js';
import type { Reply, ResourceCall } from './frappe-resource.js';

/** The DocTypes `x05-gateway frappe setup` creates (design.md, Frappe side). */
export const CUSTOM_DOCTYPES = ['Attendance Raw Log', 'Biometric User Map', 'Biometric Device'];

/** DocTypes whose REST resource is handled here rather than as plain documents. */
export const META_DOCTYPES = ['DocType', 'User', 'Custom Field', 'Role'];

const FIELDTYPE: Record<string, string> = { JSON: 'JSON' };
// frappe §5: `unique` only on these
const UNIQUE_TYPES = ['Data', 'Link', 'Read Only', 'Int'];

/** A built-in DocType as GET /api/resource/DocType/{name} shows it (only what a client reads). */
function builtIn(name: string): Doc | undefined {
  const spec = DOCTYPES.get(name);
  if (!spec) return undefined;
  const seed = DOCTYPE_SEEDS.find((d) => d.name === name);
  return {
    name,
    doctype: 'DocType',
    module: name.startsWith('Employee') || name === 'Shift Type' ? 'HR' : 'Core',
    custom: CUSTOM_DOCTYPES.includes(name) ? 1 : 0,
    fields: fieldsOf(spec.fields),
    // a custom DocType present from the start is one our `frappe setup` made
    ...(seed ? { permissions: seed.permissions } : {}),
  };
}

function fieldsOf(fields: Record<string, FieldSpec>): Record<string, unknown>[] {
  return Object.entries(fields).map(([fieldname, f], i) => ({
    fieldname,
    label: f.label,
    fieldtype: FIELDTYPE[f.type] ?? f.type,
    ...(f.type === 'Link' ? { options: f.options } : {}),
    ...(f.type === 'Select' ? { options: (f.options as readonly string[]).join('\n') } : {}),
    ...(f.unique ? { unique: 1 } : {}),
    idx: i + 1,
  }));
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
 * /api/resource/{DocType|User|Custom Field|Role}: what provisioning reads and writes (frappe §5), all
 * System Manager only, except that a user may read its own User document.
 */
export function metaResource(ctx: Ctx, call: ResourceCall): Reply {
  if (call.doctype === 'User') return userResource(ctx, call);
  assertPermitted(ctx, call.doctype, ptypeOf(call.httpMethod));
  if (call.doctype === 'Custom Field') return customFieldResource(ctx, call);
  if (call.doctype === 'Role') return roleResource(ctx, call);
  const existing = (name: string) =>
    ctx.db.get('DocType', name) ?? (ctx.absent.has(name) ? undefined : builtIn(name));
  if (call.httpMethod === 'GET' && call.name !== undefined) {
    const doc = existing(call.name);
    if (!doc) throw doesNotExist(`DocType ${call.name} not found`);
    return { status: 200, body: { data: doc } };
  }
  if (call.httpMethod !== 'POST' && call.httpMethod !== 'PUT') throw permissionError('Not permitted');
  const input = body(call);
  checkPermissionRows(ctx, input.permissions);
  checkLinkOptions(String(call.name ?? input.name ?? ''), input.fields, existing);
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
  // the table is created during the insert (frappe §5); not undone on rollback, as DDL commits
  ctx.absent.delete(name);
  return { status: 200, body: { data: doc } };
}

/** A Link field's options must name a DocType on the site (DocType.validate, check_link_table_options). */
function checkLinkOptions(
  doctype: string,
  fields: unknown,
  existing: (name: string) => Doc | undefined,
): void {
  if (!Array.isArray(fields)) return;
  fields.forEach((raw, i) => {
    const f = raw as Record<string, unknown>;
    if (f.fieldtype !== 'Link' || f.options === doctype) return;
    if (existing(String(f.options ?? ''))) return;
    throw validationError(
      `${doctype}: Options must be a valid DocType for field ${String(f.label)} in row ${i + 1}`,
      { excType: 'WrongOptionsDoctypeLinkError' },
    );
  });
}

/** Biometric Device fields an older setup created, before the forwarder kept each terminal's status. */
const OLDER_DEVICE_FIELDS = [
  'device_id',
  'device_name',
  'host',
  'port',
  'mode',
  'site',
  'timezone',
  'last_sync_at',
  'last_cursor',
];

/**
 * The custom DocTypes as an older `frappe setup` made them: Biometric Device without the status fields,
 * and `device` on Attendance Raw Log and Biometric User Map plain Data (any text, no record behind it).
 */
export function olderSetupDocTypes(): Doc[] {
  return DOCTYPE_SEEDS.map((seed) => ({
    ...seed,
    doctype: 'DocType',
    owner: 'Administrator',
    docstatus: 0,
    fields: seed.fields
      .filter((f) => seed.name !== DEVICE_DOCTYPE || OLDER_DEVICE_FIELDS.includes(f.fieldname))
      .map(({ options, ...f }) =>
        options === DEVICE_DOCTYPE ? { ...f, fieldtype: 'Data' } : { ...f, ...(options ? { options } : {}) },
      ),
  }));
}

/** Role rows must name existing roles; a non-Administrator may not grant All or a custom role (§5). */
function checkPermissionRows(ctx: Ctx, rows: unknown): void {
  if (!Array.isArray(rows)) return;
  rows.forEach((row, i) => {
    const role = String((row as Record<string, unknown>).role ?? '');
    const doc = ctx.db.get('Role', role);
    if (!doc)
      throw validationError(`Could not find Row #${i + 1}: Role: ${role}`, {
        excType: 'LinkValidationError',
      });
    if (ctx.user !== 'Administrator' && (role === 'All' || doc.is_custom === 1)) {
      throw validationError(
        `Row # ${i + 1}: Non administrator user can not set the role <strong>${role}</strong> to the custom doctype`,
        { title: 'Permissions Error' },
      );
    }
  });
}

/**
 * A user reads its own User document, but v15 strips the fields above permission level 0 (the roles table
 * among them) unless the reader may see them: only System Manager does.
 */
function userResource(ctx: Ctx, call: ResourceCall): Reply {
  const own = call.name === ctx.user;
  if (call.httpMethod !== 'GET' || call.name === undefined || (!own && !permitted(ctx, 'User', 'read'))) {
    assertPermitted(ctx, 'User', ptypeOf(call.httpMethod));
  }
  const roles = ctx.users.get(call.name ?? '');
  if (!roles) throw doesNotExist(`User ${call.name} not found`);
  const doc: Record<string, unknown> = {
    name: call.name,
    doctype: 'User',
    enabled: 1,
    user_type: 'System User',
  };
  if (permitted(ctx, 'User', 'read')) {
    doc.roles = roles.map((role, i) => ({ role, parent: call.name, parentfield: 'roles', idx: i + 1 }));
  }
  return { status: 200, body: { data: doc } };
}

function roleResource(ctx: Ctx, call: ResourceCall): Reply {
  if (call.httpMethod === 'GET' && call.name !== undefined) {
    const doc = ctx.db.get('Role', call.name);
    if (!doc) throw doesNotExist(`Role ${call.name} not found`);
    return { status: 200, body: { data: doc } };
  }
  if (call.httpMethod !== 'POST') throw permissionError('Not permitted');
  const input = body(call);
  const name = String(input.role_name ?? '');
  if (!name) throw validationError('Error: Value missing for Role: Role Name', { excType: 'MandatoryError' });
  if (ctx.db.latest('Role', name)) throw duplicateEntry('Role', name);
  const doc: Doc = { name, doctype: 'Role', role_name: name, desk_access: 1, is_custom: 0, ...input };
  ctx.db.put(doc);
  return { status: 200, body: { data: doc } };
}

function customFieldResource(ctx: Ctx, call: ResourceCall): Reply {
  if (call.httpMethod === 'GET' && call.name !== undefined) {
    const doc = ctx.db.get('Custom Field', call.name);
    if (!doc) throw doesNotExist(`Custom Field ${call.name} not found`);
    return { status: 200, body: { data: doc } };
  }
  if (call.httpMethod !== 'POST') throw permissionError('Not permitted');
  return { status: 200, body: { data: addCustomField(ctx, body(call)) } };
}

/**
 * Custom Field insert: name `{dt}-{fieldname}`, the column added to the DocType's table, and a unique index
 * when `unique` is set (Frappe's updatedb), which from then on refuses a second row with the same value.
 */
export function addCustomField(ctx: Ctx, input: Record<string, unknown>): Doc {
  const dt = String(input.dt ?? '');
  const spec = specOf(dt, ctx);
  const fieldname = String(input.fieldname ?? '').toLowerCase();
  const name = `${dt}-${fieldname}`;
  if (ctx.db.latest('Custom Field', name)) throw duplicateEntry('Custom Field', name);
  if (fieldname in spec.fields)
    throw validationError(`A field with the name ${fieldname} already exists in ${dt}`);
  const fieldtype = String(input.fieldtype ?? 'Data');
  if (input.unique && !UNIQUE_TYPES.includes(fieldtype)) {
    throw validationError(`Fieldtype ${fieldtype} for ${String(input.label)} cannot be unique`, {
      excType: 'NonUniqueError',
    });
  }
  const field: FieldSpec = {
    label: String(input.label ?? fieldname),
    type: fieldtype as FieldSpec['type'],
    ...(input.unique ? { unique: true } : {}),
  };
  const doc: Doc = { ...input, name, doctype: 'Custom Field', fieldname, owner: ctx.user, docstatus: 0 };
  ctx.db.put(doc);
  // ALTER TABLE commits on its own in MariaDB: the column stays even if the request fails later
  const fields = ctx.customFields.get(dt) ?? {};
  ctx.customFields.set(dt, { ...fields, [fieldname]: field });
  return doc;
}

/** The fields of `doctype` with a unique index, custom ones included. */
export function uniqueFields(ctx: Ctx, doctype: string): string[] {
  try {
    return Object.entries(specOf(doctype, ctx).fields).flatMap(([name, f]) => (f.unique ? [name] : []));
  } catch {
    return [];
  }
}

/** frappe.desk.form.load.getdoctype: the DocType with its Custom Fields, as the desk loads it. */
export function docTypeBundle(ctx: Ctx, doctype: string): Record<string, unknown> {
  const spec = specOf(doctype, ctx);
  const doc = ctx.db.get('DocType', doctype) ?? builtIn(doctype);
  return { ...doc, name: doctype, fields: fieldsOf(spec.fields) };
}
