import type { Ctx } from './frappe-doctypes.js';
import { insertDoc, serialize, specOf, updateDoc } from './frappe-documents.js';
import { doesNotExist, pythonError } from './frappe-errors.js';
import { META_DOCTYPES, metaResource } from './frappe-meta.js';
import { assertPermitted, ptypeOf } from './frappe-perms.js';
import { queryDocs } from './frappe-query.js';

export interface ResourceCall {
  httpMethod: string;
  doctype: string;
  name: string | undefined;
  args: Record<string, unknown>;
  rawBody: string;
}

export interface Reply {
  status: number;
  body: unknown;
  /** Werkzeug's own HTML page (405 on an unrouted verb, frappe §2). */
  html?: boolean;
}

const STANDARD = ['name', 'owner', 'creation', 'modified', 'modified_by', 'docstatus', 'idx'];

/**
 * POST/PUT read the request body as JSON whatever its Content-Type (a form field `data=<json>` also
 * works), unlike /api/method (frappe §2, request parsing).
 */
function bodyDoc(call: ResourceCall): Record<string, unknown> {
  const raw = typeof call.args.data === 'string' ? call.args.data : call.rawBody;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw pythonError('JSONDecodeError', (err as Error).message, 'json.decoder');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw pythonError('AttributeError', 'data is not a dict');
  const { doctype: _ignored, flags: _flags, ...fields } = v as Record<string, unknown>;
  return fields;
}

/** /api/resource/{DocType}[/{name}] (frappe §2). */
export function resource(ctx: Ctx, call: ResourceCall): Reply {
  if (!['GET', 'POST', 'PUT', 'DELETE'].includes(call.httpMethod)) {
    return { status: 405, html: true, body: 'Method Not Allowed' };
  }
  if (META_DOCTYPES.includes(call.doctype)) return metaResource(ctx, call);
  const spec = specOf(call.doctype, ctx);
  assertPermitted(ctx, spec.name, ptypeOf(call.httpMethod));
  const { name } = call;
  if (name === undefined) {
    if (call.httpMethod === 'GET') {
      const known = [...STANDARD, ...Object.keys(spec.fields)];
      return { status: 200, body: { data: queryDocs(ctx.db.all(spec.name), call.args, known) } };
    }
    // Frappe answers 200 for a create, never 201
    if (call.httpMethod === 'POST')
      return { status: 200, body: { data: serialize(insertDoc(ctx, spec.name, bodyDoc(call))) } };
    return { status: 405, html: true, body: 'Method Not Allowed' };
  }
  switch (call.httpMethod) {
    case 'GET': {
      const doc = ctx.db.get(spec.name, name);
      if (!doc) throw doesNotExist(`${spec.name} ${name} not found`);
      return { status: 200, body: { data: serialize(doc) } };
    }
    case 'PUT':
      return { status: 200, body: { data: serialize(updateDoc(ctx, spec.name, name, bodyDoc(call))) } };
    case 'DELETE': {
      const doc = ctx.db.get(spec.name, name);
      if (!doc) throw doesNotExist(`${spec.name} ${name} not found`);
      ctx.db.remove(spec.name, name);
      return { status: 202, body: { data: 'ok' } };
    }
    default:
      return { status: 405, html: true, body: 'Method Not Allowed' };
  }
}
