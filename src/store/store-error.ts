import { GatewayError } from '../../protocol/errors.js';

/** LevelDB refused an operation. `path` is the data directory, `op` what we tried, `key` where it applies. */
export class StoreError extends GatewayError {
  constructor(
    readonly path: string,
    readonly op: 'open' | 'write' | 'read' | 'delete',
    readonly key: string | undefined,
    cause: unknown,
  ) {
    const why =
      (cause as { code?: string; cause?: { message?: string }; message?: string } | undefined) ?? {};
    super(
      'X05_STORE',
      `store ${op} failed in ${path}${key ? ` at ${key}` : ''}: ${why.code ?? ''} ${why.cause?.message ?? why.message ?? String(cause)}`.trim(),
      { cause },
    );
  }
}
