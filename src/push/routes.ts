import { encodeCommandLine, parseDeviceCommandResults } from '../../protocol/adms/commands.js';
import { encodeOptionsBlock, encodeTimeZoneOption } from '../../protocol/adms/options.js';
import { encodePackedTime, parseWallTime } from '../../protocol/zk/time.js';
import { formatWallTimeIn } from '../event/index.js';
import type { CommandQueue } from './command-queue.js';
import { type DeviceState, decodeDeviceText, parseInfoParam, parseOptionsUpload } from './device-state.js';
import type { PushCursor } from './push-cursor.js';
import { offsetHHMM, zoneOffsetMinutes } from './time-zone.js';
import { acceptAttlog, acceptOperlog, bindAddress, loadCursor, type UploadContext } from './uploads.js';

export interface PushSettings {
  delayS: number;
  errorDelayS: number;
  transTimes: string;
  transIntervalMin: number;
  realtime: boolean;
  timeZoneUnit: 'auto' | 'minutes';
}

export interface RouteContext extends UploadContext {
  settings: PushSettings;
  commands: CommandQueue;
}

/** An answer: status, text/plain body (never empty: an empty poll reply means offline, adms-push §2.2). */
export interface Reply {
  status: number;
  body: string;
}

const ok = (body = 'OK'): Reply => ({ status: 200, body });

/** Tables the terminal may post that the gateway has no use for: acknowledged so they are not re-sent. */
const DROPPED_TABLES = new Set(['ATTPHOTO', 'BIODATA', 'USERPIC', 'BIOPHOTO', 'ERRORLOG', 'IDCARD', 'FACE']);

/** One admitted request: what it asks and whether it proved to be the terminal (admission.ts). */
export interface PushRequest {
  method: string;
  /** The path after `/iclock/`, `.aspx` dropped, lower case. */
  endpoint: string;
  query: URLSearchParams;
  body: Buffer;
  address: string;
  trusted: boolean;
}

/**
 * A stored ATTLOG stamp is announced only while it is no later than the newest punch held: one kept before
 * that bound existed (or by a store restored from elsewhere) becomes `None`, and the terminal re-sends.
 */
function announcedStamps(cursor: PushCursor): { attlog: string; operlog: string } {
  const attlog = cursor.ATTLOG;
  const held = cursor.heldPacked ?? 0;
  return {
    attlog: attlog !== undefined && Number(attlog) <= held ? attlog : 'None',
    operlog: cursor.OPERLOG ?? 'None',
  };
}

/** The handshake option block (§4.2) with the stamps we hold and the zone's offset right now (§7). */
async function handshake(ctx: RouteContext, d: DeviceState, r: PushRequest): Promise<Reply> {
  const q = r.query;
  if (r.trusted) await bindAddress(ctx, d, r.address);
  const stamps = announcedStamps(await loadCursor(ctx, d));
  const offset = zoneOffsetMinutes(d.config.timezone);
  d.sentOffsetMin = offset;
  d.pushver = q.get('pushver') ?? undefined;
  const s = ctx.settings;
  ctx.logger.info(
    {
      device: d.config.serial,
      pushver: d.pushver,
      language: q.get('language'),
      device_type: q.get('DeviceType'),
      utc_offset_min: offset,
    },
    'push handshake',
  );
  return ok(
    encodeOptionsBlock(d.config.serial, {
      attlogStamp: stamps.attlog,
      operlogStamp: stamps.operlog,
      attphotoStamp: 'None',
      errorDelayS: s.errorDelayS,
      delayS: s.delayS,
      transTimes: s.transTimes,
      transIntervalMin: s.transIntervalMin,
      transFlag: 'TransData AttLog OpLog EnrollUser ChgUser',
      timeZone: encodeTimeZoneOption(offset, s.timeZoneUnit),
      realtime: s.realtime,
      serverVer: '2.4.1',
    }),
  );
}

/**
 * `getrequest` (§6.1): queued commands, or `OK`. A DST change since the handshake queues a CHECK (§7).
 * Commands go only to a poll that proved to be the terminal: a REBOOT handed to a LAN host is lost.
 */
function poll(ctx: RouteContext, d: DeviceState, r: PushRequest): Reply {
  const serial = d.config.serial;
  const q = r.query;
  const info = r.trusted ? q.get('INFO') : null;
  if (info) Object.assign(d.info, parseInfoParam(info));
  const offset = zoneOffsetMinutes(d.config.timezone);
  if (d.sentOffsetMin !== undefined && offset !== d.sentOffsetMin) {
    const pendingCheck = ctx.commands.pending(serial).some((c) => c.command.kind === 'CHECK');
    if (!pendingCheck) {
      ctx.commands.enqueue(serial, { kind: 'CHECK' });
      ctx.logger.info(
        { device: serial, from_min: d.sentOffsetMin, to_min: offset },
        'UTC offset changed; CHECK queued so the terminal re-reads TimeZone',
      );
    }
    d.sentOffsetMin = offset;
  }
  if (!r.trusted) return ok();
  const cmds = ctx.commands.take(serial);
  if (cmds.length === 0) return ok();
  for (const c of cmds) ctx.logger.info({ device: serial, id: c.id, command: c.command }, 'command sent');
  return ok(`${cmds.map((c) => encodeCommandLine(c.id, c.command)).join('\n')}\n`);
}

/** Command results (§6.3), believed only from a request that proved to be the terminal. */
function deviceCmd(ctx: RouteContext, d: DeviceState, req: PushRequest): Reply {
  if (!req.trusted) {
    ctx.logger.warn(
      { device: d.config.serial, ip: req.address },
      'command results from an unproven address ignored',
    );
    return ok();
  }
  for (const r of parseDeviceCommandResults(decodeDeviceText(req.body))) {
    const done = ctx.commands.complete(d.config.serial, r);
    ctx.logger.info(
      { device: d.config.serial, id: r.id, cmd: r.cmd, return: r.returnCode, known: done !== undefined },
      'command result',
    );
  }
  return ok();
}

/** Security PUSH 3.x time query (§3): packed UTC time and the zone offset. */
function serverTime(d: DeviceState): Reply {
  const now = Date.now();
  const wall = parseWallTime(formatWallTimeIn(now, 'UTC'))!;
  return ok(
    `DateTime=${encodePackedTime(wall)},ServerTZ=${offsetHHMM(zoneOffsetMinutes(d.config.timezone))}`,
  );
}

/** Security PUSH config after registration (§1, §3): enough to stop a registry loop. */
function securityConfig(ctx: RouteContext, d: DeviceState): Reply {
  const s = ctx.settings;
  return ok(
    [
      'ServerVersion=3.1.2',
      'ServerName=x05-gateway',
      'PushVersion=3.1.2',
      `ErrorDelay=${s.errorDelayS}`,
      `RequestDelay=${s.delayS}`,
      `TransTimes=${s.transTimes}`,
      `TransInterval=${s.transIntervalMin}`,
      'TransTables=User Transaction',
      `Realtime=${s.realtime ? 1 : 0}`,
      `SessionID=${d.config.serial}`,
      'TimeoutSec=10',
    ].join('\n'),
  );
}

/** Dispatches one request from an admitted terminal. */
export async function route(ctx: RouteContext, d: DeviceState, r: PushRequest): Promise<Reply> {
  const { method, endpoint, query: q, body } = r;
  const table = q.get('table');
  switch (`${method} ${endpoint}`) {
    case 'GET cdata':
      if (q.get('options') === 'all') return handshake(ctx, d, r);
      // old firmware asking for an unknown user's templates (§3): we hold none
      if (q.has('PIN')) return ok('NONE');
      return ok();
    case 'POST cdata': {
      if (q.has('AuthType')) {
        ctx.logger.warn(
          { device: d.config.serial, auth_type: q.get('AuthType') },
          'remote verification not supported',
        );
        return { status: 501, body: 'remote verification is not supported' };
      }
      const upper = table?.toUpperCase() ?? '';
      const stamp = q.get('Stamp') ?? q.get('OpStamp');
      if (upper === 'ATTLOG') return ok(`OK: ${await acceptAttlog(ctx, d, body, stamp)}`);
      if (upper === 'OPERLOG' || upper === 'USERINFO')
        return ok(`OK: ${await acceptOperlog(ctx, d, body, stamp)}`);
      if (upper === 'OPTIONS') {
        Object.assign(d.info, parseOptionsUpload(decodeDeviceText(body)));
        return ok();
      }
      if (DROPPED_TABLES.has(upper))
        return ok(
          `OK: ${
            body
              .toString('latin1')
              .split('\n')
              .filter((l) => l.trim()).length
          }`,
        );
      // Security PUSH punches (rtlog, transaction): not acknowledged, so the terminal keeps them (§1)
      ctx.logger.warn({ device: d.config.serial, table }, 'table not supported; the terminal keeps the data');
      return { status: 501, body: `table ${table ?? '(none)'} is not supported` };
    }
    case 'POST fdata':
      return ok();
    case 'GET getrequest':
      return poll(ctx, d, r);
    case 'POST devicecmd':
      return deviceCmd(ctx, d, r);
    case 'GET ping':
      return ok();
    case 'POST registry':
      return ok(`RegistryCode=${d.config.serial}`);
    case 'GET push':
    case 'POST push':
      return securityConfig(ctx, d);
    case 'GET rtdata':
      return serverTime(d);
    case 'GET querydata':
    case 'POST querydata':
    case 'GET exchange':
    case 'POST exchange':
      return ok();
    default:
      return { status: 404, body: `no such endpoint: ${method} /iclock/${endpoint}` };
  }
}
