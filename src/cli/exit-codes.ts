import type { Logger } from 'pino';
import { GatewayError } from '../../protocol/errors.js';

/** design.md: 0 ok, 1 runtime failure, 2 bad usage or config. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line that cannot work as given. */
export class UsageError extends GatewayError {
  /** `cause`: the system error behind it, e.g. the ENOENT of a file named on the command line. */
  constructor(message: string, options?: { cause?: unknown }) {
    super('X05_USAGE', message, options);
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof GatewayError && (err.code === 'X05_CONFIG' || err.code === 'X05_USAGE')
    ? EXIT_USAGE
    : EXIT_FAILURE;
}

/** Runs a command body; a failure sets the exit code and is told as `error: …` and `hint: …` on stderr. */
export function runCommand(logger: Logger, body: () => Promise<void>): Promise<void> {
  return run(logger, body, false);
}

/**
 * As runCommand, for a long-running process whose stderr, when it is no terminal, goes to journald or a
 * log shipper: that wants the failure as one more pino JSON line, with the typed error's fields.
 */
export function runDaemon(logger: Logger, body: () => Promise<void>): Promise<void> {
  return run(logger, body, true);
}

async function run(logger: Logger, body: () => Promise<void>, daemon: boolean): Promise<void> {
  try {
    await body();
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    if (daemon && !process.stderr.isTTY) {
      logger.error({ err }, (err as Error).message);
      return;
    }
    logger.debug({ err }, 'command failed');
    // loaded on failure only: it imports every error class, which a command that works never needs
    const { errorLines } = await import('./error-line.js');
    process.stderr.write(errorLines(err));
  }
}
