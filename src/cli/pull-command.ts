import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pullDevice } from '../device/pull.js';
import type { Logger } from '../ops/log.js';
import { UsageError } from './exit-codes.js';
import { progressReporter } from './progress.js';
import { closeSessionCapture, openSessionCapture } from './replay-capture.js';

export interface PullCommandOptions {
  host: string;
  port: number;
  out: string;
  site: string;
  timezone: string;
  timeoutMs: number;
  /** pcap file recording the session. */
  capture?: string;
  /** Comm key set on the terminal (zk-tcp.md §5). */
  commKey?: number;
  /** Talk UDP instead of TCP (zk-tcp.md §14). */
  udp?: boolean;
}

/** `x05-gateway pull`: one download, one PunchEvent JSON per line, to a file or `-` (stdout). */
export async function runPullCommand(o: PullCommandOptions, logger: Logger): Promise<void> {
  // the capture writer synthesises one TCP stream; UDP datagrams have no envelope to frame them there
  if (o.capture && o.udp)
    throw new UsageError('--capture records TCP sessions; it cannot be used with --udp');
  const progress = progressReporter('download', 'bytes', logger);
  let result: Awaited<ReturnType<typeof pullDevice>>;
  const capture = o.capture ? openSessionCapture(o.capture, o.host, o.port) : undefined;
  let failure: unknown;
  try {
    result = await pullDevice({
      host: o.host,
      port: o.port,
      site: o.site,
      timezone: o.timezone,
      timeoutMs: o.timeoutMs,
      ...(o.commKey ? { commKey: o.commKey } : {}),
      ...(o.udp ? { transport: 'udp' as const } : {}),
      onProgress: (p) => progress.update(p.received, p.total),
      onFrameError: (err) => logger.warn({ err }, 'bad frame skipped'),
      ...(capture ? { onBytes: capture.onBytes } : {}),
    });
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    progress.stop();
    if (capture) closeSessionCapture(capture, failure);
  }
  for (const err of result.rejected) logger.warn({ err, device: result.serial }, 'record rejected');
  const out: Writable = o.out === '-' ? process.stdout : createWriteStream(o.out);
  for (const e of result.events) {
    if (!out.write(`${JSON.stringify(e)}\n`)) await once(out, 'drain');
  }
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
  logger.info(
    {
      device: result.serial,
      events: result.events.length,
      rejected: result.rejected.length,
      record_size: result.recordSize,
      clock_offset_s: result.clockOffsetS,
      out: o.out,
    },
    'pull done',
  );
}
