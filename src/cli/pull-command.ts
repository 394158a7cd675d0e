import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { type SyncReport, syncDevice } from '../device/index.js';
import { UsageError } from './exit-codes.js';
import { LineWriter } from './line-writer.js';
import { progressReporter } from './progress.js';
import { closeSessionCapture, openSessionCapture } from './replay-capture.js';

/**
 * Punches made and written at a time. A file takes no synced store batch, so the batches are as small as
 * keeps the writes few: with the store's 5,000, each batch's events and lines outlived several of V8's
 * young-generation collections and were copied and promoted; a 100,000-punch pull took 1.05–1.12 s with
 * 5,000, 0.62–0.72 s with 500, 0.68–1.08 s with 100 (more writes) on the same machine.
 */
const OUT_BATCH_SLOTS = 500;

export interface PullCommandOptions {
  host: string;
  port: number;
  out: string;
  site: string;
  timezone: string;
  timeoutMs: number;
  /** pcap file recording the session. */
  capture?: string;
  /** Comm key set on the terminal (zk-tcp §5). */
  commKey?: number;
  /** Talk UDP instead of TCP (zk-tcp §14). */
  udp?: boolean;
}

/**
 * `x05-gateway pull`: one download, one PunchEvent JSON per line, to a file or `-` (stdout). Lines are
 * written a batch at a time as the sync makes them, so a 100,000-punch log is never held as events
 * (docs/benchmarks.md: pull peak RSS). The output is opened before the terminal is asked: a path that cannot be
 * written fails at once, not after the download.
 */
export async function runPullCommand(o: PullCommandOptions, logger: Logger): Promise<void> {
  const output = await openOutput(o.out);
  const out = output.stream;
  const progress = progressReporter('download', 'bytes', logger);
  let report: SyncReport;
  const capture = o.capture
    ? openSessionCapture(o.capture, o.host, o.port, o.udp ? 'udp' : 'tcp')
    : undefined;
  let failure: unknown;
  // a batch's lines are made while the batch before them is still being written, in two memories taken in
  // turn: a fresh 2 MB per batch cost 10,000 page faults in a 100,000-punch pull, and waiting for each write
  // before making the next batch's lines left the CPU idle a tenth of the pull
  const lines = new LineWriter(out);
  const linesToTerminal = o.out === '-' && process.stdout.isTTY;
  try {
    report = await syncDevice(
      {
        host: o.host,
        port: o.port,
        site: o.site,
        timezone: o.timezone,
        timeoutMs: o.timeoutMs,
        batchSlots: OUT_BATCH_SLOTS,
        // lines are made and written while the terminal sends the rest of its log
        batchesWhileReading: true,
        ...(o.commKey ? { commKey: o.commKey } : {}),
        ...(o.udp ? { transport: 'udp' as const } : {}),
        onProgress: (p) => progress.update(p.received, p.total),
        onFrameError: (err) => logger.warn({ err }, 'bad frame skipped'),
        ...(capture ? { onBytes: capture.onBytes } : {}),
      },
      async (batch) => {
        // lines for a terminal end the bar drawn on it first
        if (linesToTerminal) progress.stop();
        // one write per batch: a write per line made the command a third of pullDevice's rate (bench/download.ts)
        if (batch.events.length > 0) await lines.write(batch.events);
      },
    );
    await lines.flush();
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    progress.stop();
    if (capture) closeSessionCapture(capture, failure);
    await output.close(failure === undefined);
  }
  for (const err of report.rejected) logger.warn({ err, device: report.serial }, 'record rejected');
  logger.info(
    {
      device: report.serial,
      events: report.newPunches,
      rejected: report.rejected.length,
      record_size: report.recordSize,
      clock_offset_s: report.clockOffsetS,
      out: o.out,
    },
    'pull done',
  );
}

interface Output {
  stream: Writable;
  /** Ends the stream; a file is then put in place (`ok`) or removed. */
  close(ok: boolean): Promise<void>;
}

/**
 * stdout for `-`; else a file beside `path`, renamed to it once the pull succeeded, so that a failed pull
 * leaves no half-written or empty file and an earlier file of that name stays whole. Opened at once: a place
 * that cannot be written is a usage error naming `--out`.
 */
async function openOutput(path: string): Promise<Output> {
  if (path === '-') return { stream: process.stdout, close: async () => {} };
  const part = join(dirname(path), `.${basename(path)}.${process.pid}.part`);
  const file = createWriteStream(part);
  try {
    await once(file, 'open');
  } catch (err) {
    throw new UsageError(`--out ${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? err})`, {
      cause: err,
    });
  }
  return {
    stream: file,
    async close(ok) {
      file.end();
      await once(file, 'finish').catch(() => {});
      if (ok) await rename(part, path);
      else await rm(part, { force: true });
    },
  };
}
