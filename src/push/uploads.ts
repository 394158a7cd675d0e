import type { Logger } from 'pino';
import { parseAdmsAttlogLine } from '../../protocol/adms/attlog-line.js';
import { splitLines } from '../../protocol/adms/fields.js';
import { LineError } from '../../protocol/adms/line-error.js';
import { parseOperlogLine } from '../../protocol/adms/operlog.js';
import type { AcceptOptions, PunchSink } from '../event/index.js';
import { makePunchEvent, type PunchEvent } from '../event/index.js';
import { type DeviceState, decodeDeviceText } from './device-state.js';
import {
  judgeStamp,
  type PushCursor,
  packedWallTime,
  pushCursorKey,
  type StampVerdict,
} from './push-cursor.js';

export interface UploadCounters {
  lines: number;
  /** USER rows not kept: over the per-terminal bound (user-names.ts). */
  usersDropped: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

/** One stored ATTLOG batch, for device status (the gateway publishes it like a pull's). */
export interface PushUpload {
  device: string;
  at: Date;
  lines: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

export interface UploadContext {
  site: string;
  sink: PunchSink;
  logger: Logger;
  counters: UploadCounters;
  onUpload?: ((u: PushUpload) => void) | undefined;
}

export async function loadCursor(ctx: UploadContext, d: DeviceState): Promise<PushCursor> {
  d.cursor ??= ((await ctx.sink.cursor(pushCursorKey(d.config.serial))) ?? {}) as PushCursor;
  return d.cursor;
}

/** The cursor to write with a batch (one synced write with its punches); `d.cursor` follows once stored. */
const cursorWrite = (d: DeviceState, value: PushCursor): AcceptOptions => ({
  cursor: { device: pushCursorKey(d.config.serial), value: { ...value } },
});

/** Keeps the handshake's address so old firmware's later, keyless requests are recognised (adms-push §8). */
export async function bindAddress(ctx: UploadContext, d: DeviceState, address: string): Promise<void> {
  if ((await loadCursor(ctx, d)).address !== address) await updateCursor(ctx, d, { address });
}

/** Writes `change` into the terminal's cursor on its own (one synced write); `d.cursor` follows once stored. */
async function updateCursor(ctx: UploadContext, d: DeviceState, change: PushCursor): Promise<void> {
  const next = { ...(await loadCursor(ctx, d)), ...change };
  await ctx.sink.accept([], cursorWrite(d, next));
  d.cursor = next;
}

/** Logs a posted stamp that is not kept for a reason worth an operator's look. */
function noteStamp(ctx: UploadContext, d: DeviceState, table: string, stamp: string | null, v: StampVerdict) {
  if (v.keep === undefined && v.why)
    ctx.logger.warn({ device: d.config.serial, table, stamp, why: v.why }, 'posted stamp not kept');
}

/**
 * `table=ATTLOG` (§5.1): every well-formed line becomes a PunchEvent (source `push`); junk lines (corrupt
 * flash: `2047-02-30`, unprintable PINs) are logged and skipped. Resolves only once the store holds the
 * batch, with the number of lines received — the `n` of `OK: n`, duplicates and junk included, since a
 * smaller count is the one answer that could make the terminal send the batch again.
 */
export async function acceptAttlog(
  ctx: UploadContext,
  d: DeviceState,
  body: Buffer,
  stamp: string | null,
): Promise<number> {
  const serial = d.config.serial;
  const lines = splitLines(body.toString('latin1'));
  const receivedAt = new Date();
  const events: PunchEvent[] = [];
  const rejected: LineError[] = [];
  for (const { line, text } of lines) {
    try {
      const r = parseAdmsAttlogLine(text, line);
      events.push(
        makePunchEvent({
          deviceId: serial,
          site: ctx.site,
          userId: r.userId,
          deviceTime: r.deviceTime,
          timezone: d.config.timezone,
          punch: r.punch,
          verify: r.verify,
          source: 'push',
          receivedAt,
          clockOffsetS: null,
          raw: Buffer.from(text, 'latin1'),
        }),
      );
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      rejected.push(err);
    }
  }
  const cursor = await loadCursor(ctx, d);
  const newest = events.reduce(
    (m, e) => Math.max(m, packedWallTime(e.device_time) ?? 0),
    cursor.heldPacked ?? 0,
  );
  const verdict = judgeStamp('ATTLOG', stamp, {
    heldPacked: newest,
    timezone: d.config.timezone,
    now: receivedAt.getTime(),
  });
  noteStamp(ctx, d, 'ATTLOG', stamp, verdict);
  const next: PushCursor = {
    ...cursor,
    heldPacked: newest,
    ...(verdict.keep ? { ATTLOG: verdict.keep } : {}),
  };
  const result = await ctx.sink.accept(events, cursorWrite(d, next));
  d.cursor = next;
  ctx.counters.lines += lines.length;
  ctx.counters.stored += result.stored;
  ctx.counters.duplicates += result.duplicates;
  ctx.counters.rejected += rejected.length;
  for (const err of rejected) ctx.logger.warn({ err, device: serial, table: 'ATTLOG' }, 'push line rejected');
  ctx.onUpload?.({
    device: serial,
    at: receivedAt,
    lines: lines.length,
    ...result,
    rejected: rejected.length,
  });
  ctx.logger.info(
    { device: serial, lines: lines.length, ...result, rejected: rejected.length, stamp },
    'push ATTLOG stored',
  );
  return lines.length;
}

/** `table=OPERLOG`/`USERINFO` (§5.3): user names kept for labels; the cursor advances even for OPLOG-only batches. */
export async function acceptOperlog(
  ctx: UploadContext,
  d: DeviceState,
  body: Buffer,
  stamp: string | null,
): Promise<number> {
  const lines = splitLines(decodeDeviceText(body));
  let users = 0;
  let dropped = 0;
  for (const { text } of lines) {
    const rec = parseOperlogLine(text);
    if (rec?.kind !== 'USER') continue;
    if (d.users.set(rec.user.userId, rec.user.name)) users++;
    else dropped++;
  }
  ctx.counters.usersDropped += dropped;
  const verdict = judgeStamp('OPERLOG', stamp, {
    heldPacked: undefined,
    timezone: d.config.timezone,
    now: Date.now(),
  });
  noteStamp(ctx, d, 'OPERLOG', stamp, verdict);
  if (verdict.keep) await updateCursor(ctx, d, { OPERLOG: verdict.keep });
  const log = { device: d.config.serial, lines: lines.length, users, users_dropped: dropped, stamp };
  if (dropped > 0)
    ctx.logger.warn({ ...log, users_held: d.users.size }, 'push OPERLOG user rows over the bound');
  else ctx.logger.info(log, 'push OPERLOG read');
  return lines.length;
}
