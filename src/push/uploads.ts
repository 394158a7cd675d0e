import { parseAdmsAttlogLine } from '../../protocol/adms/attlog-line.js';
import { splitLines } from '../../protocol/adms/fields.js';
import { LineError } from '../../protocol/adms/line-error.js';
import { parseOperlogLine } from '../../protocol/adms/operlog.js';
import { isPlaceholderStamp } from '../../protocol/adms/options.js';
import { makePunchEvent, type PunchEvent } from '../event/punch-event.js';
import type { Logger } from '../ops/log.js';
import type { AcceptOptions, AcceptResult, DeviceCursor } from '../store/punch-store.js';
import { type DeviceState, decodeDeviceText, stampCursorKey } from './device-state.js';

/** Where pushed punches go; PunchStore implements it (stamps ride in the same batch as the punches). */
export interface PushSink {
  accept(events: readonly PunchEvent[], opts?: AcceptOptions): Promise<AcceptResult>;
  cursor(device: string): Promise<DeviceCursor | undefined>;
}

export interface UploadCounters {
  lines: number;
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
  sink: PushSink;
  logger: Logger;
  counters: UploadCounters;
  onUpload?: ((u: PushUpload) => void) | undefined;
}

export async function loadStamps(ctx: UploadContext, d: DeviceState): Promise<DeviceCursor> {
  d.stamps ??= (await ctx.sink.cursor(stampCursorKey(d.config.serial))) ?? {};
  return d.stamps;
}

/** The stamp cursor to write with this batch, if the terminal sent a real one (adms-push.md §4.3). */
async function stampCursor(
  ctx: UploadContext,
  d: DeviceState,
  table: string,
  stamp: string | null,
): Promise<AcceptOptions> {
  if (isPlaceholderStamp(stamp)) return {};
  const value = { ...(await loadStamps(ctx, d)), [table]: stamp };
  return { cursor: { device: stampCursorKey(d.config.serial), value } };
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
  const result = await ctx.sink.accept(events, await stampCursor(ctx, d, 'ATTLOG', stamp));
  if (!isPlaceholderStamp(stamp)) d.stamps = { ...d.stamps, ATTLOG: stamp };
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
  for (const { text } of lines) {
    const rec = parseOperlogLine(text);
    if (rec?.kind === 'USER') {
      d.users.set(rec.user.userId, rec.user.name);
      users++;
    }
  }
  const opts = await stampCursor(ctx, d, 'OPERLOG', stamp);
  if (opts.cursor) {
    await ctx.sink.accept([], opts);
    d.stamps = opts.cursor.value;
  }
  ctx.logger.info({ device: d.config.serial, lines: lines.length, users, stamp }, 'push OPERLOG read');
  return lines.length;
}
