import type { CloudConfig } from '../config/index.js';
import { ConfigError, readPemFile } from '../config/index.js';
import { FrappeError, FrappeTlsError, frappeErrorFromResponse, isTlsFailure } from './errors.js';
import { type HttpResponse, type HttpTransport, httpTransport } from './http-transport.js';

export type FrappeConfig = CloudConfig['frappe'];

export interface FrappeClientOptions {
  /** Site base URL, e.g. `https://hr.example.com`. */
  url: string;
  apiKey: string;
  apiSecret: string;
  timeoutMs?: number;
  /** PEM of a private CA that signed the site's certificate (config `frappe.ca_file`). */
  ca?: string | Buffer | undefined;
  /** Default node:http(s); the dry run passes one that prints instead of sending. */
  transport?: HttpTransport | undefined;
}

/** `[field, operator, value]` (frappe §2, GET /api/resource list form). */
export type FrappeFilter = [string, string, unknown];

export interface ListQuery {
  fields?: string[];
  filters?: FrappeFilter[];
  orderBy?: string;
  /** One row per distinct value of this field (frappe §2, `group_by`). */
  groupBy?: string;
  /** 0 means no limit; Frappe's default is 20. */
  limit?: number;
}

export type FrappeDoc = Record<string, unknown> & { name: string };

/** The path of a document route; names with spaces or slashes are URL-encoded (frappe §2). */
export function resourcePath(doctype: string, name?: string): string {
  const base = `/api/resource/${encodeURIComponent(doctype)}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

export function methodPath(method: string): string {
  return `/api/method/${method}`;
}

interface Call {
  httpMethod: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  doctype?: string;
  method?: string;
}

/**
 * Frappe v1 REST over HTTP(S) with token auth. Every request carries `Content-Type: application/json`
 * (without it /api/method gets no arguments, frappe §2) and `Accept: application/json` (so errors
 * are JSON); writes are POST/PUT because GET is rolled back.
 */
export class FrappeClient {
  readonly url: string;
  readonly timeoutMs: number;
  // private so the secret never lands in a log line that serialises the client
  readonly #authorization: string;
  readonly #transport: HttpTransport;

  constructor(opts: FrappeClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.#authorization = `token ${opts.apiKey}:${opts.apiSecret}`;
    this.#transport = opts.transport ?? httpTransport({ ca: opts.ca });
  }

  /** The secret comes from the config or, to keep it out of the file, X05_FRAPPE_API_SECRET. */
  static fromConfig(cfg: FrappeConfig, env: NodeJS.ProcessEnv = process.env): FrappeClient {
    const apiSecret = cfg.api_secret ?? env.X05_FRAPPE_API_SECRET;
    if (!apiSecret) {
      throw new ConfigError('cloud config', 'frappe.api_secret', 'missing (set it or X05_FRAPPE_API_SECRET)');
    }
    return new FrappeClient({
      url: cfg.url,
      apiKey: cfg.api_key,
      apiSecret,
      timeoutMs: cfg.timeout_ms,
      ca: cfg.ca_file === undefined ? undefined : readPemFile('frappe.ca_file', cfg.ca_file, 'certificate'),
    });
  }

  async getDoc<T extends FrappeDoc = FrappeDoc>(doctype: string, name: string): Promise<T> {
    return this.data<T>({ httpMethod: 'GET', path: resourcePath(doctype, name), doctype });
  }

  async getList<T extends Record<string, unknown> = FrappeDoc>(
    doctype: string,
    q: ListQuery = {},
  ): Promise<T[]> {
    const query = new URLSearchParams();
    if (q.fields) query.set('fields', JSON.stringify(q.fields));
    if (q.filters) query.set('filters', JSON.stringify(q.filters));
    if (q.orderBy) query.set('order_by', q.orderBy);
    if (q.groupBy) query.set('group_by', q.groupBy);
    if (q.limit !== undefined) query.set('limit_page_length', String(q.limit));
    return this.data<T[]>({ httpMethod: 'GET', path: resourcePath(doctype), query, doctype });
  }

  async insertDoc<T extends FrappeDoc = FrappeDoc>(
    doctype: string,
    doc: Record<string, unknown>,
  ): Promise<T> {
    return this.data<T>({ httpMethod: 'POST', path: resourcePath(doctype), body: doc, doctype });
  }

  /** Send only the fields to change, never `modified` (a stale one is a 417, frappe §2). */
  async updateDoc<T extends FrappeDoc = FrappeDoc>(
    doctype: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<T> {
    return this.data<T>({ httpMethod: 'PUT', path: resourcePath(doctype, name), body: patch, doctype });
  }

  /** POST a whitelisted method; `undefined` when it returned None (body `{}`, frappe §2). */
  async callMethod<T = unknown>(method: string, args: Record<string, unknown>): Promise<T | undefined> {
    const json = await this.request({ httpMethod: 'POST', path: methodPath(method), body: args, method });
    return json.message as T | undefined;
  }

  /**
   * GET a whitelisted method that only reads (GET is rolled back, frappe §2); the whole JSON answer,
   * since some methods (the desk's meta loader) answer beside `message`.
   */
  async readMethod(method: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const query = new URLSearchParams(params);
    return this.request({ httpMethod: 'GET', path: methodPath(method), query, method });
  }

  /** Cheap credential check (frappe §1). */
  async loggedUser(): Promise<string> {
    const method = 'frappe.auth.get_logged_user';
    const json = await this.request({ httpMethod: 'GET', path: methodPath(method), method });
    return String(json.message);
  }

  private async data<T>(call: Call): Promise<T> {
    const json = await this.request(call);
    if (!('data' in json)) throw this.badBody(call, 200, JSON.stringify(json), 'no "data" key');
    return json.data as T;
  }

  private async request(call: Call): Promise<Record<string, unknown>> {
    const qs = call.query?.toString();
    const url = `${this.url}${call.path}${qs ? `?${qs}` : ''}`;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: HttpResponse;
    try {
      res = await this.#transport({
        method: call.httpMethod,
        url,
        headers: {
          Authorization: this.#authorization,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!signal.aborted && isTlsFailure(code)) {
        throw new FrappeTlsError({ ...describe(call), url: this.url, tlsCode: code!, cause: err });
      }
      const message = (err as Error).message;
      throw new FrappeError({
        ...describe(call),
        status: 0,
        detail: signal.aborted
          ? `timed out after ${this.timeoutMs} ms`
          : code && !message.includes(code)
            ? `${message} ${code}`
            : message,
        cause: err,
      });
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) {
      throw frappeErrorFromResponse(describe(call), res.status, text, res.header('retry-after') ?? null);
    }
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
    } catch {
      // fall through: a 2xx that is not Frappe JSON (a proxy or login page) is not a Frappe answer
    }
    throw this.badBody(call, res.status, text, 'not a JSON object');
  }

  private badBody(call: Call, status: number, body: string, detail: string): FrappeError {
    // status 0: no usable Frappe answer, so it is retried like a network error
    return new FrappeError({ ...describe(call), status: 0, body, detail: `HTTP ${status} body ${detail}` });
  }
}

function describe(call: Call) {
  return { httpMethod: call.httpMethod, path: call.path, doctype: call.doctype, method: call.method };
}
