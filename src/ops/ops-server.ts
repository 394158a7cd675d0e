import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { GatewayError } from '../../protocol/errors.js';
import { redactUrl } from './log.js';

/** Stage by stage health; `ok` false answers 503 on /healthz. */
export interface Health {
  ok: boolean;
  stages: Record<string, string>;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

/** An operator action under its own path: GET reads, POST (loopback callers only) changes something. */
export interface OpsAction {
  get?(query: URLSearchParams): JsonReply;
  post?(body: unknown): JsonReply;
}

export interface OpsServerOptions<S> {
  /** `host:port`; port 0 picks a free one. */
  listen: string;
  registry: Registry;
  status(): Promise<S>;
  /** The status as text for a terminal (`/status?format=text`). */
  statusText(s: S): string;
  /** The page at `/` (src/app/page): a whole HTML document that loads nothing from elsewhere. */
  page(): Promise<string>;
  /** Names the process in log lines: `x05-gateway hq`, `x05-forwarder eu-1`. */
  title: string;
  health(): Promise<Health>;
  /** Extra JSON routes by path, e.g. `/push/commands`. */
  actions?: Record<string, OpsAction>;
  /** DNS names accepted in the Host header besides IP addresses and localhost (config `ops.host_names`). */
  hostNames?: readonly string[];
  logger: Logger;
}

const BODY_LIMIT = 64 * 1024;

/** What the page at `/` may load: nothing but its own inline style (and data: images, of which it has none). */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * Whether the Host header names this endpoint: an IP address (whatever the machine is reached by on the
 * LAN), localhost, or a configured name. A DNS-rebinding page reaches the port under its own name, which
 * is none of these.
 */
export function hostAllowed(host: string | undefined, names: readonly string[]): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (isIP(name) || name === 'localhost') return true;
  return names.some((n) => n.toLowerCase() === name.toLowerCase());
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export const isLoopback = (address: string): boolean => address === '::1' || /^(::ffff:)?127\./.test(address);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > BODY_LIMIT) throw new OpsRequestError(`over ${BODY_LIMIT} bytes`);
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new OpsRequestError(`is not JSON: ${(err as Error).message}`, err);
  }
}

export interface OpsServer {
  url: string;
  stop(): Promise<void>;
}

/** Thrown when ops.listen cannot be bound: names the address so the operator can pick another. */
export class OpsListenError extends GatewayError {
  override readonly hint = 'pick a free address for ops.listen, or stop what holds that one';
  readonly key = 'ops.listen';
  constructor(
    readonly listen: string,
    cause: unknown,
  ) {
    super('X05_OPS', `ops.listen ${listen}: ${(cause as Error).message}`, { cause });
  }
}

/** `x05-gateway status` could not reach a gateway's ops endpoint. */
export class OpsUnreachableError extends GatewayError {
  override readonly hint =
    'start the gateway (x05-gateway gateway --config site.yaml), or name the one that runs with --config or --url';
  constructor(
    readonly url: string,
    /** What happened instead of an answer: the socket error, or the HTTP status of a failing endpoint. */
    readonly reason: string,
    cause?: unknown,
  ) {
    super('X05_OPS', `no gateway answers at ${url} (${reason}); is it running, with ops.listen set?`, {
      cause,
    });
  }
}

/** A request body the ops endpoint will not read: too large, or not JSON (answered 400). */
export class OpsRequestError extends GatewayError {
  constructor(
    readonly reason: string,
    cause?: unknown,
  ) {
    super('X05_OPS', `request body ${reason}`, { cause });
  }
}

export function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}

/** Where a client on the same machine reaches an ops endpoint bound to `listen`. */
export function opsUrl(listen: string): string {
  const { host, port } = splitListen(listen);
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/** /metrics (Prometheus), /healthz, /status (JSON) and / (a status page for a browser on the site LAN). */
export async function startOpsServer<S>(o: OpsServerOptions<S>): Promise<OpsServer> {
  const send = (res: ServerResponse, code: number, type: string, body: string, csp?: string) => {
    res.writeHead(code, {
      'content-type': type,
      'cache-control': 'no-store',
      ...(csp ? { 'content-security-policy': csp } : {}),
    });
    res.end(body);
  };
  const json = (res: ServerResponse, r: JsonReply) =>
    send(res, r.status, 'application/json', `${JSON.stringify(r.body)}\n`);
  const act = async (req: IncomingMessage, res: ServerResponse, action: OpsAction, url: URL) => {
    if (req.method === 'GET' && action.get) return json(res, action.get(url.searchParams));
    if (req.method !== 'POST' || !action.post)
      return json(res, { status: 405, body: { error: `${req.method} not allowed here` } });
    // a form or text/plain POST is what any web page may send without asking; JSON needs a preflight
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      return json(res, { status: 415, body: { error: 'send the body as application/json' } });
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      return json(res, { status: 403, body: { error: `requests from ${origin} are refused` } });
    // the ops port may face the site LAN for a scraper; changing a terminal stays a local act
    if (!isLoopback(req.socket.remoteAddress ?? ''))
      return json(res, { status: 403, body: { error: 'actions are accepted from this machine only' } });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      if (!(err instanceof OpsRequestError)) throw err;
      return json(res, { status: 400, body: { error: err.message } });
    }
    return json(res, action.post(body));
  };
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, o.hostNames ?? []))
      return send(res, 421, 'text/plain', 'unknown host name: add it to ops.host_names\n');
    const url = new URL(req.url ?? '/', 'http://ops');
    const path = url.pathname;
    const action = o.actions?.[path];
    if (action) return act(req, res, action, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
    if (path === '/metrics') return send(res, 200, o.registry.contentType, await o.registry.metrics());
    if (path === '/healthz') {
      const h = await o.health();
      return send(res, h.ok ? 200 : 503, 'application/json', `${JSON.stringify(h)}\n`);
    }
    if (path === '/status' && url.searchParams.get('format') === 'text')
      return send(res, 200, 'text/plain; charset=utf-8', o.statusText(await o.status()));
    if (path === '/status')
      return send(res, 200, 'application/json', `${JSON.stringify(await o.status())}\n`);
    // the policy keeps any script or outside asset a hostile device name might smuggle in from loading
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', await o.page(), PAGE_CSP);
    return send(res, 404, 'text/plain', 'not found: try /status, /healthz or /metrics\n');
  };
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      o.logger.error({ err, path: redactUrl(req.url ?? '') }, 'ops request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  const { host, port } = splitListen(o.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new OpsListenError(o.listen, err)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Starts the endpoint, or logs why it could not (a taken port) and returns undefined: the process runs on,
 * since punches matter more than the dashboard.
 */
export async function startOpsServerOrLog<S>(o: OpsServerOptions<S>): Promise<OpsServer | undefined> {
  try {
    const server = await startOpsServer(o);
    o.logger.info({ url: server.url }, 'ops endpoint: /status, /healthz, /metrics');
    return server;
  } catch (err) {
    if (!(err instanceof OpsListenError)) throw err;
    o.logger.error({ err, key: 'ops.listen' }, `ops endpoint not started; ${o.title} runs on without it`);
    return undefined;
  }
}
