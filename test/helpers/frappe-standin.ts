import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHECKIN_EVENT_ID, INTEGRATION_ROLE } from '../../src/frappe/doctype-seed.js';
import { type Doc, FrappeDb, LockWait } from './frappe-db.js';
import type { Ctx } from './frappe-doctypes.js';
import { insertDoc } from './frappe-documents.js';
import { authenticationError, errorBody, FrappeThrow, pythonError } from './frappe-errors.js';
import { addCustomField, CUSTOM_DOCTYPES, olderSetupDocTypes, uniqueFields } from './frappe-meta.js';
import { callMethod } from './frappe-methods.js';
import { RUNTIME_ROLES, TIME_ROLES } from './frappe-perms.js';
import { authenticate, formDict } from './frappe-request.js';
import { type Reply, resource } from './frappe-resource.js';
import { errorPage, proxyFault, siteNow } from './frappe-wire.js';

export interface EmployeeSeed {
  employee_name: string;
  attendance_device_id?: string | null;
  status?: 'Active' | 'Inactive' | 'Suspended' | 'Left';
}

export interface StandinOptions {
  /** The API user the forwarder runs as. */
  apiKey?: string;
  apiSecret?: string;
  /** That key's user, answered by frappe.auth.get_logged_user. */
  user?: string;
  /** Roles of that user. Default the run-time roles: HR User and Biometric Integration. */
  roles?: string[];
  /** A second key, a System Manager, for `frappe setup`. Default admin / admin-secret, setup@example.com. */
  admin?: { apiKey?: string; apiSecret?: string; user?: string };
  employees?: EmployeeSeed[];
  /** Biometric Device records (by serial): a Raw Log's or user map row's `device` must name one. */
  devices?: string[];
  /** System Settings time_zone. */
  timeZone?: string;
  /** Added to every request, to behave like a real site in benches. */
  latencyMs?: number;
  /** Overrides what the roles decide: false resets Checkin `time` to "now" (frappe §4). */
  timeWritable?: boolean;
  /** Name of a shift "Strictly based on Log Type" that every punch falls in: empty log_type → 417. */
  strictShift?: string;
  /** Frappe HR not installed: the add_log method answers 417 "Failed to get method". */
  withoutHrms?: boolean;
  /**
   * A site where `frappe setup` has not run: no Attendance Raw Log, Biometric User Map, Biometric Device,
   * no Biometric Integration role, no event id field on Employee Checkin.
   */
  withoutCustomDoctypes?: boolean;
  /** A site set up by an older version: the custom DocTypes exist, the Checkin event id field does not. */
  withoutCheckinEventId?: boolean;
  /**
   * A site set up before the forwarder kept terminals: Biometric Device lacks its status fields, and
   * `device` on Attendance Raw Log and Biometric User Map is plain Data (olderSetupDocTypes).
   */
  olderDeviceFields?: boolean;
  /** nginx client_max_body_size. Default 50 MB, as bench's nginx config sets it. */
  maxBodyBytes?: number;
  /** How long a statement waits for a lock an uncommitted transaction holds (innodb_lock_wait_timeout). */
  lockWaitTimeoutMs?: number;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP, as a site behind a private CA would. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface RequestRecord {
  method: string;
  /** URL-decoded, without the query string; `/api/v1/…` logged as `/api/…`. */
  path: string;
  status: number;
}

/** A failure the next matching requests get instead of (or, `afterCommit`, after) being processed. */
export interface FaultOptions {
  /** 502/503/504: nginx HTML page; 429: Frappe JSON with Retry-After; 'reset': the socket is destroyed. */
  status?: 429 | 502 | 503 | 504 | 'reset';
  /** Process and commit the request, then answer the failure (a timeout that still committed, §3). */
  afterCommit?: boolean;
  /**
   * The worker runs the request but commits only this many ms later, then answers (to a client that has
   * usually given up): until then its rows are invisible and their keys locked, as on a loaded site. It
   * waits for the next matching request that commits: one refused outright leaves it queued.
   */
  commitAfterMs?: number;
  /** Only requests whose `METHOD path` (and, with `body`, whose body) match. */
  match?: RegExp;
  body?: RegExp;
}

interface Fault {
  status: 429 | 502 | 503 | 504 | 'reset' | undefined;
  afterCommit: boolean;
  commitAfterMs: number | undefined;
  match: RegExp | undefined;
  body: RegExp | undefined;
}

interface ApiUser {
  apiKey: string;
  apiSecret: string;
  user: string;
  roles: string[];
}

/**
 * A Frappe/HRMS site on 127.0.0.1 that answers the REST calls a punch writer makes the way
 * docs/frappe.md says Frappe v15 does: auth, parameter parsing, status codes, error bodies,
 * commit/rollback, Employee Checkin and Attendance Raw Log rules.
 */
export class FrappeStandin {
  readonly db = new FrappeDb();
  readonly requests: RequestRecord[] = [];
  latencyMs: number;
  /** The API key was rotated in the desk: every request that carries it answers 401 until set back. */
  tokenRevoked = false;
  /** Requests that ran as late commits (a `commitAfterMs` fault), and how many of those committed. */
  readonly late = { started: 0, committed: 0 };
  private readonly faults: Fault[] = [];
  private readonly ctx: Ctx;
  private readonly apiUsers: ApiUser[];

  private constructor(
    private readonly server: Server | HttpsServer,
    private readonly opts: StandinOptions,
  ) {
    this.latencyMs = opts.latencyMs ?? 0;
    const zone = opts.timeZone ?? 'Asia/Kolkata';
    const setUp = !opts.withoutCustomDoctypes;
    this.apiUsers = [
      {
        apiKey: opts.apiKey ?? 'key',
        apiSecret: opts.apiSecret ?? 'secret',
        user: opts.user ?? 'bio@example.com',
        roles: opts.roles ?? RUNTIME_ROLES,
      },
      {
        apiKey: opts.admin?.apiKey ?? 'admin',
        apiSecret: opts.admin?.apiSecret ?? 'admin-secret',
        user: opts.admin?.user ?? 'setup@example.com',
        roles: ['System Manager'],
      },
    ];
    this.ctx = {
      db: this.db,
      user: 'Administrator',
      roles: [],
      users: new Map(this.apiUsers.map((u) => [u.user, u.roles])),
      now: () => siteNow(zone),
      timeWritable: true,
      strictShift: opts.strictShift,
      withoutHrms: opts.withoutHrms ?? false,
      absent: new Set([
        ...(setUp ? [] : CUSTOM_DOCTYPES),
        ...(opts.withoutHrms ? ['Employee Checkin', 'Shift Type'] : []),
      ]),
      customFields: new Map(),
    };
    this.db.uniqueFieldsOf = (doctype) => uniqueFields(this.ctx, doctype);
    this.db.put({ doctype: 'System Settings', name: 'System Settings', time_zone: opts.timeZone ?? null });
    for (const role of [...STANDARD_ROLES, ...(setUp ? [INTEGRATION_ROLE] : [])]) {
      this.db.put({ doctype: 'Role', name: role, role_name: role, is_custom: 0 });
    }
    if (setUp && !opts.withoutCheckinEventId) addCustomField(this.ctx, { ...CHECKIN_EVENT_ID });
    if (setUp && opts.olderDeviceFields) for (const d of olderSetupDocTypes()) this.db.put(d);
    for (const e of opts.employees ?? []) this.addEmployee(e);
    for (const d of opts.devices ?? []) this.insert('Biometric Device', { device_id: d });
  }

  static async start(opts: StandinOptions = {}): Promise<FrappeStandin> {
    const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }) : createServer();
    const standin = new FrappeStandin(server, opts);
    server.on('request', (req, res) => {
      standin.handle(req, res).catch((err) => {
        res.destroy(err as Error);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standin;
  }

  get url(): string {
    const scheme = this.opts.tls ? 'https' : 'http';
    return `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  docs(doctype: string): Doc[] {
    return this.db.all(doctype);
  }
  get checkins(): Doc[] {
    return this.docs('Employee Checkin');
  }
  get rawLogs(): Doc[] {
    return this.docs('Attendance Raw Log');
  }
  get employees(): Doc[] {
    return this.docs('Employee');
  }

  /** Seeds an Employee through the normal insert (HR-EMP-00001, -00002 …; attendance_device_id unique). */
  addEmployee(seed: EmployeeSeed): Doc {
    return this.db.transaction(true, () => insertDoc(this.ctx, 'Employee', { ...seed }));
  }

  /** Seeds any document through the normal insert, as an administrator would in the desk. */
  insert(doctype: string, fields: Record<string, unknown>): Doc {
    return this.db.transaction(true, () => insertDoc(this.ctx, doctype, { ...fields }));
  }

  failNext(count: number, opts: FaultOptions = {}): void {
    for (let i = 0; i < count; i++) {
      this.faults.push({
        status: opts.status ?? (opts.commitAfterMs === undefined ? 502 : undefined),
        afterCommit: opts.afterCommit ?? false,
        commitAfterMs: opts.commitAfterMs,
        match: opts.match,
        body: opts.body,
      });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://site');
    const rawPath = url.pathname.replace(/^\/api\/v1\//, '/api/');
    const path = decodeURIComponent(rawPath);
    // nginx refuses these before Frappe sees them: request line over 8 KB (large_client_header_buffers),
    // body over client_max_body_size; Node itself answers 431 past its 16 KB header limit
    const limit =
      `${method} ${req.url ?? ''} HTTP/1.1`.length > 8192
        ? 414
        : Buffer.byteLength(rawBody) > (this.opts.maxBodyBytes ?? 50 * 1024 * 1024)
          ? 413
          : undefined;
    if (limit) {
      this.requests.push({ method, path, status: limit });
      res.writeHead(limit, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(errorPage(proxyFault(limit)));
      return;
    }
    const i = this.faults.findIndex(
      (f) => (!f.match || f.match.test(`${method} ${path}`)) && (!f.body || f.body.test(rawBody)),
    );
    const fault = i >= 0 ? this.faults.splice(i, 1)[0] : undefined;
    let reply: Reply | undefined;
    if (!fault?.status || fault.afterCommit) {
      const lateBefore = this.late.started;
      reply = await this.process(req, method, url, rawPath, rawBody, fault?.commitAfterMs);
      // a late-commit fault is for a write that commits: one refused before it could stays queued
      if (fault?.commitAfterMs !== undefined && this.late.started === lateBefore) this.faults.unshift(fault);
    }
    if (fault?.status === 'reset') {
      this.requests.push({ method, path, status: 0 });
      req.socket.destroy();
      return;
    }
    if (fault?.status) reply = proxyFault(fault.status);
    const r = reply!;
    this.requests.push({ method, path, status: r.status });
    const html = r.html || (r.status >= 400 && /^text/.test(req.headers.accept ?? ''));
    const headers: Record<string, string> = {
      'Content-Type': html ? 'text/html; charset=utf-8' : 'application/json',
    };
    if (r.status === 429) headers['Retry-After'] = '1';
    res.writeHead(r.status, headers);
    res.end(html ? errorPage(r) : JSON.stringify(r.body));
  }

  /**
   * Runs one request as one transaction. A statement that meets a lock an uncommitted (late) transaction
   * holds waits for it, then the request goes on reading at the snapshot it started with, as InnoDB's
   * REPEATABLE READ does; past the lock wait timeout it fails like MariaDB's 1205.
   */
  private async process(
    req: IncomingMessage,
    method: string,
    url: URL,
    rawPath: string,
    rawBody: string,
    commitAfterMs?: number,
  ): Promise<Reply> {
    const snapshot = this.db.snapshot;
    for (;;) {
      try {
        const ctx = this.requestCtx(req, url, rawBody);
        const run = () => this.route(ctx, method, rawPath, ctx.args, rawBody);
        // POST/PUT/DELETE commit; GET and any error roll back (frappe §2, commit semantics)
        const commit = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method);
        if (commitAfterMs === undefined || !commit) return this.db.transaction(commit, run, snapshot);
        const { result, late } = this.db.runLate(run, snapshot);
        this.late.started++;
        await sleep(commitAfterMs);
        this.db.commitLate(late);
        this.late.committed++;
        return result;
      } catch (err) {
        if (err instanceof LockWait) {
          const timer = new AbortController();
          const waited = await Promise.race([
            err.holder.settled.then(() => true),
            sleep(this.opts.lockWaitTimeoutMs ?? 50_000, false, { signal: timer.signal }).catch(() => true),
          ]);
          timer.abort();
          if (waited) continue;
          return failure(lockWaitTimeout());
        }
        return failure(err);
      }
    }
  }

  private requestCtx(
    req: IncomingMessage,
    url: URL,
    rawBody: string,
  ): Ctx & { args: Record<string, unknown> } {
    // init_request parses parameters before validate_auth runs (frappe/app.py)
    const args = formDict(req.headers['content-type'], rawBody, url);
    if (this.tokenRevoked && req.headers.authorization) throw authenticationError();
    const who = authenticate(req.headers.authorization, (key, secret) =>
      this.apiUsers.find((u) => u.apiKey === key && u.apiSecret === secret),
    );
    const roles = who ? who.roles : ['Guest'];
    return {
      ...this.ctx,
      args,
      user: who?.user ?? 'Guest',
      roles,
      timeWritable: this.opts.timeWritable ?? roles.some((r) => TIME_ROLES.includes(r)),
    };
  }

  private route(
    ctx: Ctx,
    method: string,
    rawPath: string,
    args: Record<string, unknown>,
    rawBody: string,
  ): Reply {
    if (rawPath.startsWith('/api/method/')) {
      const cmd = decodeURIComponent(rawPath.slice('/api/method/'.length));
      return { status: 200, body: callMethod(ctx, { httpMethod: method, cmd, args }) };
    }
    const seg = rawPath.startsWith('/api/resource/') ? rawPath.slice('/api/resource/'.length).split('/') : [];
    if (seg.length === 1 || seg.length === 2) {
      const [doctype = '', name] = seg.map(decodeURIComponent);
      return resource(ctx, { httpMethod: method, doctype, name, args, rawBody });
    }
    if (rawPath.startsWith('/api/'))
      throw new FrappeThrow({ status: 404, excType: 'DoesNotExistError', module: 'frappe.exceptions' });
    return { status: 404, html: true, body: 'Not Found' };
  }
}

const STANDARD_ROLES = ['System Manager', 'HR Manager', 'HR User', 'Employee'];

function failure(err: unknown): Reply {
  const t = err instanceof FrappeThrow ? err : pythonError((err as Error).name, (err as Error).message);
  return { status: t.init.status, body: errorBody(t) };
}

/** MariaDB 1205 surfaces as frappe.QueryTimeoutError, which has no HTTP code of its own: 500. */
function lockWaitTimeout(): FrappeThrow {
  return pythonError(
    'QueryTimeoutError',
    "(1205, 'Lock wait timeout exceeded; try restarting transaction')",
    'frappe.exceptions',
  );
}
