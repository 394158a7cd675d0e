import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

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

/**
 * pino JSON to stderr (stdout stays free for command output such as `pull --out -`); on a terminal the
 * same lines through pino-pretty, for the person reading them.
 */
export function createLogger(
  level = process.env.X05_LOG_LEVEL ?? 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  return pino(
    { level, base: { ...bindings }, redact: { paths: REDACT, censor: '[redacted]' } },
    stderrDestination(),
  );
}

function stderrDestination(): DestinationStream {
  if (!process.stderr.isTTY) return pino.destination(2);
  // required here, not imported: a process whose stderr is a pipe or journald never loads it; synchronous,
  // so its lines keep their order with the CLI's own error lines and none is lost at exit
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({ destination: 2, sync: true });
}

/** Query parameters that carry secrets: the push comm key, tokens, passwords, API secrets. */
const SECRET_PARAMS = /^(pushcommkey|commkey|comm_key|key|token|secret|api_secret|password|pass)$/i;

/**
 * A URL or request path fit for a log line or a status page: a password in the user part
 * (`mqtt://site:pw@host`) and the values of secret query parameters (`?pushcommkey=…`) replaced. Text that
 * is no URL at all is returned unchanged.
 */
export function redactUrl(url: string): string {
  const withoutPassword = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:[redacted]@');
  const q = withoutPassword.indexOf('?');
  if (q < 0) return withoutPassword;
  const query = withoutPassword
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAMS.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${withoutPassword.slice(0, q)}?${query}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
