import { GatewayError } from '../../protocol/errors.js';

const DEBUG_HINT = 'X05_LOG_LEVEL=debug prints the error with its fields and stack';

/** What a person reads when a command fails: the error on one line, its code, and what to try next. */
export function errorLines(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  const code = err instanceof GatewayError ? ` [${err.code}]` : '';
  return `error: ${message}${code}\nhint: ${hintFor(err)}\n`;
}

function hintFor(err: unknown): string {
  if (!(err instanceof GatewayError)) return errnoHint((err as NodeJS.ErrnoException)?.code);
  if (err.hint) return err.hint;
  switch (err.code) {
    case 'X05_USAGE':
      // a file named on the command line that cannot be opened: its errno says more than --help
      return err.cause
        ? errnoHint((err.cause as NodeJS.ErrnoException).code)
        : '--help after the command lists its options';
    case 'X05_TIMEOUT':
    case 'X05_CLOSED':
      return 'check the host and port, that the terminal is on and answers ping; an older terminal may need --udp';
    case 'X05_REFUSED':
      return 'the terminal refused: check its comm key, and that nobody is in its menu';
    case 'X05_STORE':
      return 'the data dir must be a directory this user can write, on a disk with room';
    case 'X05_FRAPPE':
      return 'check frappe.url and the API key and secret; x05-gateway frappe setup checks the site';
    default:
      return DEBUG_HINT;
  }
}

function errnoHint(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
    case 'EACCES':
    case 'EISDIR':
    case 'ENOTDIR':
      return "check the path, and this user's rights to it";
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return 'nothing answers at that address: check the host and port';
    default:
      return DEBUG_HINT;
  }
}
