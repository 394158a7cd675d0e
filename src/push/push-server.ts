import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { GatewayError } from '../../protocol/errors.js';
import { plainAddress } from '../address/index.js';
import type { PunchSink } from '../event/index.js';
import { redactUrl } from '../ops/index.js';
import { PushAdmission } from './admission.js';
import { CommandQueue } from './command-queue.js';
import type { DeviceState, PushDevice } from './device-state.js';
import { type PushSettings, type Reply, type RouteContext, route } from './routes.js';
import { loadCursor, type PushUpload, type UploadCounters } from './uploads.js';
import { UserNames } from './user-names.js';

export interface PushServerOptions {
  /** Default 127.0.0.1; a site LAN address in production (adms-push §8). */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  site: string;
  devices: readonly PushDevice[];
  sink: PunchSink;
  logger: Logger;
  /** Largest request body; a 100k-record backlog arrives in many posts of ~150 lines (§5.1). Default 8 MiB. */
  bodyLimitBytes?: number;
  /** Whole request, headers and body, from a slow or stalled client. Default 30 s. */
  requestTimeoutMs?: number;
  settings?: Partial<PushSettings>;
  /** Called after each stored ATTLOG batch. */
  onUpload?: (u: PushUpload) => void;
}

export interface PushCounters extends UploadCounters {
  requests: number;
  /** Unknown serial, no SN, or not admitted (token, address): answered 403 and stored nowhere. */
  refused: number;
  tooLarge: number;
}

export interface PushServer {
  url: string;
  host: string;
  port: number;
  counters: PushCounters;
  commands: CommandQueue;
  /** What the receiver learnt about a terminal: names, INFO, last contact. */
  device(serial: string): Readonly<DeviceState> | undefined;
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS: PushSettings = {
  delayS: 10,
  errorDelayS: 30,
  transTimes: '00:00;14:05',
  transIntervalMin: 1,
  realtime: true,
  timeZoneUnit: 'auto',
};

/** A push request whose body is over push.max_body_kb; answered 413 and counted. */
class BodyTooLarge extends GatewayError {
  constructor(readonly limit: number) {
    super('X05_REFUSED', `push body over ${limit} bytes`);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  // old firmware posts without a Content-Type (§2.1): always read the raw bytes
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function send(res: ServerResponse, r: Reply, sendDate: boolean, close = false): void {
  // the terminal checks for lowercase `text/plain` before it takes our Date or a devicecmd ack (§2.2)
  res.sendDate = sendDate;
  const body = Buffer.from(r.body, 'latin1');
  res.writeHead(r.status, {
    'Content-Type': 'text/plain',
    'Content-Length': body.length,
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

/**
 * The iclock push receiver (adms-push): terminals in cloud/ADMS mode call it over HTTP. Only serials in
 * `devices` are served; anything else gets 403 `UNKNOWN DEVICE` (the terminal keeps its data, §5.1), a log
 * line and a counter. Uploads are answered `OK: n` only after the store resolved.
 */
export async function startPushServer(o: PushServerOptions): Promise<PushServer> {
  const logger = o.logger.child({ component: 'push' });
  const limit = o.bodyLimitBytes ?? 8 * 1024 * 1024;
  const counters: PushCounters = {
    requests: 0,
    refused: 0,
    tooLarge: 0,
    lines: 0,
    usersDropped: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
  };
  const commands = new CommandQueue();
  const ctx: RouteContext = {
    site: o.site,
    sink: o.sink,
    logger,
    counters,
    commands,
    settings: { ...DEFAULT_SETTINGS, ...o.settings },
    onUpload: o.onUpload,
  };
  const states = new Map<string, DeviceState>(
    o.devices.map((d) => [
      d.serial,
      {
        config: d,
        admission: new PushAdmission(d),
        cursor: undefined,
        sentOffsetMin: undefined,
        users: new UserNames(),
        info: {},
        pushver: undefined,
        lastSeen: undefined,
      },
    ]),
  );

  // a refused terminal retries every few seconds, forever: one warning per serial and address a minute
  const lastWarned = new Map<string, number>();
  const refuse = (req: IncomingMessage, res: ServerResponse, serial: string | null, why: string) => {
    counters.refused++;
    const ip = req.socket.remoteAddress;
    const key = `${serial}|${ip}|${why}`;
    const now = Date.now();
    if (now - (lastWarned.get(key) ?? 0) >= 60_000) {
      if (lastWarned.size > 10_000) lastWarned.clear();
      lastWarned.set(key, now);
      logger.warn(
        {
          device: serial,
          ip,
          path: redactUrl(req.url ?? '').slice(0, 200),
          why,
          refused_total: counters.refused,
        },
        'push request refused',
      );
    }
    // close: the body of a refused request is never read
    send(res, { status: 403, body: 'UNKNOWN DEVICE' }, true, true);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    // the request line may carry an absolute URL when the terminal uses a proxy (§2.1)
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const m = /^\/iclock\/([a-z]+)(?:\.aspx)?$/i.exec(url.pathname);
    if (!m) return send(res, { status: 404, body: 'not an iclock endpoint' }, true);
    const serial = url.searchParams.get('SN');
    const state = serial ? states.get(serial) : undefined;
    if (!state) return refuse(req, res, serial, serial ? 'serial not configured' : 'no SN');
    const address = plainAddress(req.socket.remoteAddress ?? '');
    const admission = state.admission.admit(
      {
        address,
        key: url.searchParams.get('pushcommkey'),
        handshake: url.searchParams.get('options') === 'all',
      },
      (await loadCursor(ctx, state)).address,
    );
    if (!admission.admitted) return refuse(req, res, serial, admission.why);
    const declared = Number(req.headers['content-length'] ?? 0);
    let body: Buffer;
    try {
      if (declared > limit) throw new BodyTooLarge(limit);
      body = await readBody(req, limit);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      counters.tooLarge++;
      logger.warn({ device: serial, limit }, 'push body over the limit');
      return send(res, { status: 413, body: `body over ${limit} bytes` }, true, true);
    }
    state.lastSeen = new Date();
    const reply = await route(ctx, state, {
      method: req.method ?? 'GET',
      endpoint: m[1]!.toLowerCase(),
      query: url.searchParams,
      body,
      address,
      trusted: admission.trusted,
    });
    send(res, reply, state.config.sendDate ?? true);
  };

  const timeout = o.requestTimeoutMs ?? 30_000;
  const server = createServer(
    {
      requestTimeout: timeout,
      headersTimeout: Math.min(timeout, 10_000),
      keepAliveTimeout: 5000,
      // how often slow requests are checked; Node's default (30 s) would outlive short timeouts
      connectionsCheckingInterval: Math.min(1000, timeout),
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        // a failed store write: no OK, so the terminal keeps the batch and sends it again (§5.1)
        logger.error({ err }, 'push request failed');
        if (!res.headersSent) send(res, { status: 500, body: 'store failed' }, true, true);
        else res.destroy();
      });
    },
  );
  server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'bad or slow push client dropped');
    socket.destroy();
  });
  server.listen(o.port ?? 0, o.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  const host = o.host ?? '127.0.0.1';
  logger.info({ host: address, port, devices: states.size }, 'push receiver listening');
  for (const d of o.devices)
    if (d.token === undefined && d.allowedIps === undefined)
      logger.warn(
        { device: d.serial },
        'push terminal with neither token nor allowed_ips: any host that can reach the receiver can post as it',
      );
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    counters,
    commands,
    device: (serial) => states.get(serial),
    stop: async () => {
      // in-flight uploads finish (their store write and OK); idle keep-alive sockets go now
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(force);
    },
  };
}
