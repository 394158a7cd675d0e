import cliProgress from 'cli-progress';
import type { Logger } from 'pino';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on a terminal; plain log lines (at most one per 10 %) when stderr is not a TTY (design.md). */
export function progressReporter(what: string, unit: string, logger: Logger): Progress {
  if (process.stderr.isTTY) {
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
