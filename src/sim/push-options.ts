import type { Logger } from 'pino';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import type { UserRecord } from '../../protocol/zk/user-record.js';
import { loadDatasetFile } from './dataset-file.js';
import { DeviceClock } from './device-clock.js';
import { generatePunches, generateUsers } from './generate.js';
import { resolveOptions } from './options.js';

export interface PushTerminalOptions {
  /** Server base URL, e.g. http://127.0.0.1:8081 (the terminal's "cloud server" setting). */
  url: string;
  serial?: string;
  /** Same meaning as for the TCP simulator, so both can serve the same punches. */
  seed?: number;
  users?: number;
  records?: number;
  untilDate?: string;
  dataFile?: string;
  /** Lines per ATTLOG post (old firmware 30–150, a production report 128, adms-push §5.1). */
  batchSize?: number;
  /** getrequest interval; default the handshake's `Delay`. */
  pollMs?: number;
  /** Wait before re-sending an unacknowledged post; default the handshake's `ErrorDelay`. */
  retryMs?: number;
  /** Reuse connections (newer firmware); default false, one request per connection as old firmware. */
  keepAlive?: boolean;
  timeoutMs?: number;
  /** Sent as `pushcommkey` on the handshake. */
  token?: string;
  logger?: Logger;
}

/** Users and punches exactly as `startSimulator` makes them from the same options (generate.ts). */
export async function pushTerminalDataset(
  o: PushTerminalOptions,
): Promise<{ users: UserRecord[]; records: AttlogRecord[] }> {
  if (o.dataFile) return loadDatasetFile(o.dataFile);
  const r = resolveOptions({
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.users === undefined ? {} : { users: o.users }),
    ...(o.records === undefined ? {} : { records: o.records }),
    ...(o.untilDate === undefined ? {} : { untilDate: o.untilDate }),
  });
  const users = generateUsers(r.seed, r.users);
  return {
    users,
    records: generatePunches(r.seed, users, r.records, r.untilDate ?? new DeviceClock(0).now()),
  };
}
