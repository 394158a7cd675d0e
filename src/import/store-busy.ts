import { GatewayError } from '../../protocol/errors.js';

/**
 * The data directory is held by a running gateway: LevelDB admits one process. The punches reach MQTT
 * through that gateway, so the file belongs in its watched folder (`import.watch_dir`) instead.
 */
export class StoreBusyError extends GatewayError {
  override readonly hint = 'or stop that gateway, then import again';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      'X05_STORE',
      `data dir ${path} is in use by a running gateway; copy the file into its watched folder (import.watch_dir in the site config) instead`,
      { cause },
    );
  }
}

/** classic-level reports a held lock as LEVEL_LOCKED under LEVEL_DATABASE_NOT_OPEN. */
export function isLockedStore(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'LEVEL_LOCKED') return true;
  }
  return false;
}
