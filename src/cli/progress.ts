import { createRequire } from 'node:module';
import type { Logger } from 'pino';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on a terminal; plain log lines (at most one per 10 %) when stderr is not a TTY (design.md). */
export function progressReporter(what: string, unit: string, logger: Logger): Progress {
  if (process.stderr.isTTY) {
    // loaded for a terminal only: a pull or import into a pipe or a journal never draws a bar, and the bar's
    // module with its text-width helpers (nine packages) took about 15 ms of such a command's start
    const cliProgress: typeof import('cli-progress') = createRequire(import.meta.url)('cli-progress');
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${what} [{bar}] {percentage}% {value}/{total} ${unit}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
      },
      stop: () => bar.stop(),
    };
  }
  let lastTenth = -1;
  return {
    update(done, total) {
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      logger.info({ done, total, unit }, `${what} ${tenth * 10}%`);
    },
    stop() {},
  };
}
