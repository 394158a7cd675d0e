import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pullDevice } from '../device/pull.js';
import type { Logger } from '../ops/log.js';
import { progressReporter } from './progress.js';

export interface PullCommandOptions {
  host: string;
  port: number;
  out: string;
  site: string;
  timezone: string;
  timeoutMs: number;
}

/** `x05-gateway pull`: one download, one PunchEvent JSON per line, to a file or `-` (stdout). */
export async function runPullCommand(o: PullCommandOptions, logger: Logger): Promise<void> {
  const progress = progressReporter('download', 'bytes', logger);
  let result: Awaited<ReturnType<typeof pullDevice>>;
  try {
    result = await pullDevice({
      host: o.host,
      port: o.port,
      site: o.site,
      timezone: o.timezone,
      timeoutMs: o.timeoutMs,
      onProgress: (p) => progress.update(p.received, p.total),
      onFrameError: (err) => logger.warn({ err }, 'bad frame skipped'),
    });
  } finally {
    progress.stop();
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
