import type { Writable } from 'node:stream';
import { FrappeBatchWriter } from './batch-writer.js';
import { FrappeClient } from './client.js';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-transport.js';
import { INSERT_MANY_METHOD } from './insert-many.js';
import { DEFAULT_EMPLOYEE_FIELDNAME, EMPLOYEE_DOCTYPE, type LogType } from './punch-plan.js';

export interface DryRunWriterOptions {
  /** Site base URL, only printed. */
  url: string;
  /** Needed up front: a dry run cannot read System Settings. */
  siteTimezone: string;
  employeeFieldname?: string | undefined;
  deviceLogTypes?: Readonly<Record<string, LogType>> | undefined;
  out: Writable;
}

/**
 * The production batching writer over a transport that prints each request instead of sending it, so a
 * dry run shows exactly what the forwarder would send: the lookups, then one insert_many per stage and
 * batch, tagged with its size (`[20 × Employee Checkin]`). The transport answers as a site where nothing
 * was written yet and every device user is an active employee. Headers are never printed: they hold the
 * API secret (here a dummy).
 */
export function dryRunWriter(opts: DryRunWriterOptions): FrappeBatchWriter {
  const fieldname = opts.employeeFieldname ?? DEFAULT_EMPLOYEE_FIELDNAME;
  const client = new FrappeClient({
    url: opts.url,
    apiKey: 'dry-run',
    apiSecret: 'dry-run',
    transport: printingTransport(opts.out),
  });
  return new FrappeBatchWriter({
    client,
    siteTimezone: opts.siteTimezone,
    employeeFieldname: fieldname,
    deviceLogTypes: opts.deviceLogTypes,
  });
}

type Doc = Record<string, unknown>;

function printingTransport(out: Writable): HttpTransport {
  let checkins = 0;
  return async (req) => {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname);
    const query = [...url.searchParams].map(([k, v]) => `${k}=${v}`).join('&');
    const body: unknown = req.body === undefined ? undefined : JSON.parse(req.body);
    const docs = path === `/api/method/${INSERT_MANY_METHOD}` ? ((body as { docs: Doc[] }).docs ?? []) : [];
    const tag = docs.length > 0 ? ` [${docs.length} × ${String(docs[0]!.doctype)}]` : '';
    out.write(
      `${req.method} ${url.origin}${path}${query ? `?${query}` : ''}${tag}${req.body === undefined ? '' : ` ${req.body}`}\n`,
    );
    if (docs.length > 0) {
      // a Raw Log is named by its hash (autoname field:hash); a Checkin gets a placeholder name
      return answer({
        message: docs.map((d) =>
          typeof d.hash === 'string' ? d.hash : `<${String(d.doctype)} ${++checkins}>`,
        ),
      });
    }
    return answer(emptySite(req, path, url.searchParams, body));
  };
}

/** What a site with no Raw Logs, no Checkins, no user map rows and an active employee per device user answers. */
function emptySite(req: HttpRequest, path: string, query: URLSearchParams, body: unknown): unknown {
  const [, , route, doctype, name] = path.split('/');
  if (route !== 'resource') return {};
  if (req.method !== 'GET') return { data: { ...(body as Doc), name: name ?? `<new ${doctype}>` } };
  if (name !== undefined) return { data: { name } };
  if (doctype !== EMPLOYEE_DOCTYPE) return { data: [] };
  const filters = JSON.parse(query.get('filters') ?? '[]') as Array<[string, string, unknown]>;
  const byValue = filters.find((f) => f[1] === 'in');
  if (!byValue) return { data: [] };
  const [field, , values] = byValue;
  return {
    data: (values as string[]).map((v) => ({
      name: `<Employee ${field}=${v}>`,
      status: 'Active',
      [field]: v,
    })),
  };
}

function answer(json: unknown): HttpResponse {
  return { status: 200, header: () => undefined, text: JSON.stringify(json) };
}
