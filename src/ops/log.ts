import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths that may hold secrets; pino replaces them before a line is written. */
const REDACT = [
  'password',
  '*.password',
  'api_secret',
  '*.api_secret',
  'token',
  '*.token',
  'comm_key',
  '*.comm_key',
  'commKey',
  '*.commKey',
  'headers.authorization',
  '*.headers.authorization',
];

/** pino JSON to stderr (stdout stays free for command output such as `pull --out -`). */
export function createLogger(
  level = process.env.X05_LOG_LEVEL ?? 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  return pino(
    { level, base: { ...bindings }, redact: { paths: REDACT, censor: '[redacted]' } },
    pino.destination(2),
  );
}
