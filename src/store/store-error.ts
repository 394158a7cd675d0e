import { GatewayError } from '../../protocol/errors.js';

/** A LevelDB error as an operator reads it: its code, then what failed (e.g. which file, and ENOSPC's text). */
function causeText(cause: unknown): string {
  const why = (cause as { code?: string; cause?: { message?: string }; message?: string } | undefined) ?? {};
  return `${why.code ?? ''} ${why.cause?.message ?? why.message ?? String(cause)}`.trim();
}

/** LevelDB refused an operation. `path` is the data directory, `op` what we tried, `key` where it applies. */
export class StoreError extends GatewayError {
  constructor(
    readonly path: string,
    readonly op: 'open' | 'write' | 'read' | 'delete',
    readonly key: string | undefined,
    cause: unknown,
  ) {
    super('X05_STORE', `store ${op} failed in ${path}${key ? ` at ${key}` : ''}: ${causeText(cause)}`, {
      cause,
    });
  }
}

/**
 * A write refused without being tried: an earlier one failed (`cause`, at `since`), and LevelDB takes no
 * write until the store has reopened, which it does by itself once the filesystem has room (recovery.ts).
 * The caller keeps what it meant to write: a terminal keeps the punches, a push terminal gets no OK.
 */
export class StoreRecoveringError extends GatewayError {
  constructor(
    readonly path: string,
    readonly op: 'write' | 'delete',
    readonly key: string,
    readonly since: number,
    cause: StoreError,
  ) {
    super(
      'X05_STORE',
      `store ${op} refused in ${path} at ${key}: writes fail since ${new Date(since).toISOString()} (${causeText(cause.cause)}); the store reopens by itself once it can`,
      { cause },
    );
  }
}
