import { GatewayError } from '../../protocol/errors.js';
import type { Logger } from '../ops/log.js';

/** design.md: 0 ok, 1 runtime failure, 2 bad usage or config. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line that cannot work as given. */
export class UsageError extends GatewayError {
  constructor(message: string) {
    super('X05_USAGE', message);
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof GatewayError && (err.code === 'X05_CONFIG' || err.code === 'X05_USAGE')
    ? EXIT_USAGE
    : EXIT_FAILURE;
}

/** Runs a command body; a failure is one log line with the typed error's fields, then the exit code. */
export async function runCommand(logger: Logger, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    logger.error({ err }, (err as Error).message);
    process.exitCode = exitCodeFor(err);
  }
}
