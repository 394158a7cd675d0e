import type { Doc } from './frappe-db.js';
import {
  type Ctx,
  canonicalDatetime,
  DOCTYPES,
  type DocTypeSpec,
  type FieldSpec,
} from './frappe-doctypes.js';
import { doesNotExist, duplicateEntry, FrappeThrow, pythonError, uniqueValidation } from './frappe-errors.js';
import { assertPermitted } from './frappe-perms.js';

const DATA_MAX = 140;

export function specOf(doctype: string, ctx?: Ctx): DocTypeSpec {
  const spec = DOCTYPES.get(doctype);
  // custom DocTypes exist only once `frappe setup` (or an administrator) created them
  if (!spec || ctx?.absent.has(doctype)) throw doesNotExist(`DocType ${doctype} not found`);
  const fields = ctx ? siteFields(ctx, spec) : spec.fields;
  // Custom Fields are columns of the DocType's table like its own fields
  const custom = ctx?.customFields.get(doctype);
  return fields === spec.fields && !custom ? spec : { ...spec, fields: { ...fields, ...custom } };
}

/**
 * The columns as the site's own DocType document has them, when setup (or an older version of it) wrote
 * one: a field it lacks is not in the table, and a field has the type given there (a `device` an older
 * setup made Data takes any text until a new setup turns it into a Link).
 */
function siteFields(ctx: Ctx, spec: DocTypeSpec): Record<string, FieldSpec> {
  const stored = ctx.db.get('DocType', spec.name)?.fields;
  if (!Array.isArray(stored)) return spec.fields;
  const rows = stored as Array<Record<string, unknown>>;
  const out: Record<string, FieldSpec> = {};
  for (const [name, f] of Object.entries(spec.fields)) {
    const row = rows.find((r) => r.fieldname === name);
    if (!row) continue;
    const type = String(row.fieldtype) as FieldSpec['type'];
    out[name] =
      type === f.type ? f : { ...f, type, ...(type === 'Link' ? { options: String(row.options) } : {}) };
  }
  return out;
}

/** Documents go out without null fields (v15+, frappe §2, success envelopes). */
export function serialize(doc: Doc): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * Full insert as Frappe runs it: name, defaults, link checks, controller validate, mandatory, select,
 * length, then the DB write (datetime parsing, primary key, unique keys). Returns the document as held in
 * memory, so a Datetime comes back exactly as sent (frappe §4); the stored copy is canonical.
 */
export function insertDoc(ctx: Ctx, doctype: string, input: Record<string, unknown>): Doc {
  const spec = specOf(doctype, ctx);
  // Document.insert checks create permission (insert_many and add_log run as the caller)
  assertPermitted(ctx, doctype, 'create');
  const now = ctx.now();
  // key order as Frappe's as_dict: standard fields, the DocType's fields, then `doctype`
  const fields: Record<string, unknown> = {};
  for (const [field, f] of Object.entries(spec.fields)) {
    fields[field] = input[field] ?? f.default ?? null;
  }
  const std = { owner: ctx.user, creation: now, modified: now, modified_by: ctx.user, docstatus: 0, idx: 0 };
  const doc: Doc = { name: '', ...std, ...fields, doctype };
  if (doctype === 'Employee Checkin' && (!ctx.timeWritable || doc.time === null)) {
    // permlevel-1 field reset to its default "Now" for callers without level-1 write (frappe §4)
    doc.time = now;
  }
  doc.name = spec.autoname(doc, ctx);
  validate(ctx, spec, doc);
  if (ctx.db.latest(doctype, doc.name)) throw duplicateEntry(doctype, doc.name);
  store(ctx, spec, doc);
  return doc;
}

/** PUT: load, merge the given fields, validate again, save (frappe §2). */
export function updateDoc(ctx: Ctx, doctype: string, name: string, patch: Record<string, unknown>): Doc {
  const spec = specOf(doctype, ctx);
  const before = ctx.db.get(doctype, name);
  if (!before) throw doesNotExist(`${doctype} ${name} not found`);
  if (patch.modified !== undefined && patch.modified !== before.modified) {
    throw new FrappeThrow({
      status: 417,
      excType: 'TimestampMismatchError',
      module: 'frappe.exceptions',
      message: `Error: Document has been modified after you have opened it (${String(patch.modified)}, ${String(before.modified)}). Please refresh to get the latest document.`,
    });
  }
  const doc: Doc = { ...before };
  for (const field of Object.keys(spec.fields)) {
    if (field in patch) doc[field] = patch[field];
  }
  Object.assign(doc, { modified: ctx.now(), modified_by: ctx.user });
  validate(ctx, spec, doc);
  store(ctx, spec, doc);
  return doc;
}

function validate(ctx: Ctx, spec: DocTypeSpec, doc: Doc): void {
  for (const [field, f] of Object.entries(spec.fields)) {
    const v = doc[field];
    if (f.type === 'Link' && v && !ctx.db.get(String(f.options), String(v))) {
      throw new FrappeThrow({
        status: 417,
        excType: 'LinkValidationError',
        module: 'frappe.exceptions',
        message: `Could not find ${f.label}: ${String(v)}`,
      });
    }
  }
  spec.validate?.(doc, ctx);
  for (const [field, f] of Object.entries(spec.fields)) {
    if (f.reqd && (doc[field] === null || doc[field] === '')) {
      throw new FrappeThrow({
        status: 417,
        excType: 'MandatoryError',
        module: 'frappe.exceptions',
        message: `Error: Value missing for ${spec.name}: ${f.label}`,
        exceptionText: `[${spec.name}, ${doc.name}]: ${field}`,
      });
    }
  }
  for (const [field, f] of Object.entries(spec.fields)) {
    const v = doc[field];
    const options = f.options as readonly string[];
    if (f.type === 'Select' && v !== null && v !== '' && !options.includes(String(v))) {
      // leading space: the empty parent-row prefix (frappe §3, bad select value)
      throw new FrappeThrow({
        status: 417,
        excType: 'ValidationError',
        module: 'frappe.exceptions',
        message: ` ${f.label} cannot be "${String(v)}". It should be one of ${options.map((o) => `"${o}"`).join(', ')}`,
      });
    }
  }
  for (const [field, f] of Object.entries(spec.fields)) {
    const v = doc[field];
    if ((f.type === 'Data' || f.type === 'Link') && typeof v === 'string' && v.length > DATA_MAX) {
      throw new FrappeThrow({
        status: 417,
        excType: 'CharacterLengthExceededError',
        module: 'frappe.exceptions',
        title: 'Value too big',
        message: `${f.label}: '${v.slice(0, 20)}…' (${v.length}) will get truncated, as max characters allowed is ${DATA_MAX}`,
      });
    }
  }
}

/** The DB write: datetimes must parse, then the primary key, then unique keys. */
function store(ctx: Ctx, spec: DocTypeSpec, doc: Doc): void {
  const row: Doc = { ...doc };
  for (const [field, f] of Object.entries(spec.fields)) {
    const v = row[field];
    if (f.type === 'Datetime' && v !== null && v !== '') {
      const c = canonicalDatetime(v);
      // MariaDB rejects it; pymysql's DataError has no http_status_code, so 500 (frappe §4)
      if (!c) {
        throw pythonError(
          'DataError',
          `(1292, "Incorrect datetime value: '${String(v)}' for column \`${field}\` at row 1")`,
          'pymysql.err',
        );
      }
      row[field] = c;
    }
    if (f.type === 'JSON' && v !== null && typeof v !== 'string') row[field] = JSON.stringify(v);
    // the unique index sees committed rows the snapshot hides, and waits on uncommitted ones
    if (f.unique && v !== null && v !== '' && ctx.db.holderOf(spec.name, field, String(v), row.name)) {
      throw uniqueValidation(f.label, spec.name, row.name, String(v), field);
    }
  }
  for (const k of ['creation', 'modified']) row[k] = canonicalDatetime(row[k]) ?? row[k];
  ctx.db.put(row);
}
