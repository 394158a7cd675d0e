import { GatewayError } from '../../protocol/errors.js';
import { CaptureError } from '../../protocol/pcap/capture-error.js';
import { ConfigError } from '../config/config-error.js';
import { AuthError, DeviceIdentityError } from '../device/errors.js';
import { FrappeTlsError } from '../frappe/errors.js';
import { NoPunchesError } from '../import/no-punches.js';
import { StoreBusyError } from '../import/store-busy.js';
import { OpsListenError, OpsUnreachableError } from '../ops/ops-server.js';

const DEBUG_HINT = 'X05_LOG_LEVEL=debug prints the error with its fields and stack';

/** What a person reads when a command fails: the error on one line, its code, and what to try next. */
export function errorLines(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  const code = err instanceof GatewayError ? ` [${err.code}]` : '';
  return `error: ${message}${code}\nhint: ${hintFor(err)}\n`;
}

function hintFor(err: unknown): string {
  if (!(err instanceof GatewayError)) return errnoHint((err as NodeJS.ErrnoException)?.code);
  if (err instanceof ConfigError)
    return err.key
      ? `fix ${err.key} in ${err.file}; config/site.example.yaml and config/cloud.example.yaml explain every key`
      : 'check the --config path and that the file is YAML';
  if (err instanceof OpsUnreachableError)
    return 'start the gateway (x05-gateway gateway --config site.yaml), or name the one that runs with --config or --url';
  if (err instanceof OpsListenError) return 'pick a free address for ops.listen, or stop what holds that one';
  if (err instanceof StoreBusyError) return 'or stop that gateway, then import again';
  if (err instanceof AuthError)
    return "give the terminal's comm key: --comm-key, X05_COMM_KEY, or comm_key in the config";
  if (err instanceof DeviceIdentityError)
    return 'another terminal now has that address: fix its host (or discover list) or serial in the config';
  if (err instanceof FrappeTlsError) return "set frappe.ca_file to the CA that signed the site's certificate";
  if (err instanceof NoPunchesError)
    return "is it a terminal's *_attlog.dat or CSV export? The lines above (or --json) say why each was rejected";
  if (err instanceof CaptureError) return 'the file is no whole pcap/pcapng capture (tcpdump -w writes one)';
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
