import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { encodeAdmsAttlogLine } from '../../protocol/adms/attlog-line.js';
import { encodeDeviceCommandResult, packWallTime, parseCommandLine } from '../../protocol/adms/commands.js';
import { encodeOperlogUser } from '../../protocol/adms/operlog.js';
import { isPlaceholderStamp, parseOptionsBlock, parseTimeZoneOption } from '../../protocol/adms/options.js';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import type { UserRecord } from '../../protocol/zk/user-record.js';
import { PushHttp } from './push-http.js';
import { type PushTerminalOptions, pushTerminalDataset } from './push-options.js';

export interface PushTerminalStats {
  handshakes: number;
  posts: number;
  /** ATTLOG batches the server answered with a 200 containing `OK`. */
  acked: number;
  /** Batches sent again because the answer was not a 200 `OK` (or no answer at all). */
  resent: number;
  polls: number;
  commands: number;
}

export interface PushTerminal {
  serial: string;
  users: readonly UserRecord[];
  records: AttlogRecord[];
  stats: PushTerminalStats;
  /** Offset (minutes) from the last handshake's `TimeZone=`. */
  timeZoneMin: number | undefined;
  /** A new punch, uploaded on the next round (Realtime). */
  addPunch(r: AttlogRecord): void;
  /** Resolves once every punch past the cursor has been acknowledged. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A terminal in push (ADMS/cloud) mode, after the old ZK client (adms-push §4–6): handshake, every
 * record newer than the ATTLOG cursor in batches, each batch re-sent until the answer is a 200 with `OK`,
 * the cursor moved to the batch's last record only then; user names on OPERLOG; then `getrequest`
 * polling, executing commands and posting their results to `devicecmd`.
 */
export async function startPushTerminal(opts: PushTerminalOptions): Promise<PushTerminal> {
  const { users, records } = await pushTerminalDataset(opts);
  const serial = opts.serial ?? 'X05PUSH00001';
  const log: Logger | undefined = opts.logger?.child({ device: serial, component: 'push-terminal' });
  const http = new PushHttp(new URL(opts.url), opts.keepAlive ?? false, opts.timeoutMs);
  const batchSize = opts.batchSize ?? 128;
  const stats: PushTerminalStats = { handshakes: 0, posts: 0, acked: 0, resent: 0, polls: 0, commands: 0 };
  let cursor = 0;
  let pollMs = opts.pollMs ?? 10_000;
  let retryMs = opts.retryMs ?? 1000;
  let running = true;
  let idleWaiters: (() => void)[] = [];
  const q = `SN=${encodeURIComponent(serial)}`;
  const terminal: PushTerminal = {
    serial,
    users,
    records,
    stats,
    timeZoneMin: undefined,
    addPunch: (r) => {
      records.push(r);
    },
    whenIdle: () => new Promise((resolve) => idleWaiters.push(resolve)),
    stop: async () => {
      running = false;
      await loop;
      http.close();
    },
  };

  const handshake = async () => {
    for (;;) {
      const key = opts.token ? `&pushcommkey=${encodeURIComponent(opts.token)}` : '';
      const r = await http
        .send('GET', `/iclock/cdata?${q}&options=all&pushver=2.4.1&language=69${key}`)
        .catch(() => undefined);
      const block = r?.status === 200 ? parseOptionsBlock(r.body) : undefined;
      if (block && !block.refused) {
        stats.handshakes++;
        const stamp = block.options.get('ATTLOGStamp');
        // §4.3: None/0/9999 mean "send everything"; a real stamp is the packed time of the last record held
        cursor = isPlaceholderStamp(stamp) ? 0 : Number.parseInt(stamp!, 10) || 0;
        terminal.timeZoneMin = parseTimeZoneOption(block.options.get('TimeZone') ?? '0');
        if (opts.pollMs === undefined) pollMs = Number(block.options.get('Delay') ?? 10) * 1000;
        if (opts.retryMs === undefined) retryMs = Number(block.options.get('ErrorDelay') ?? 30) * 1000;
        return;
      }
      log?.warn({ status: r?.status }, 'handshake refused or failed; retrying');
      if (!running) return;
      await sleep(retryMs);
    }
  };

  /** One batch until the server says OK; false when stopped first. */
  const post = async (table: string, stamp: number | string, body: string): Promise<boolean> => {
    while (running) {
      stats.posts++;
      const r = await http
        .send('POST', `/iclock/cdata?${q}&table=${table}&Stamp=${stamp}`, body)
        .catch(() => undefined);
      // the old client accepts any 200 body containing OK (§5.1)
      if (r?.status === 200 && r.body.includes('OK')) return true;
      stats.resent++;
      log?.warn(
        { table, status: r?.status, body: r?.body.slice(0, 80) },
        'upload not acknowledged; sending it again',
      );
      await sleep(retryMs);
    }
    return false;
  };

  const uploadRecords = async (recs: readonly AttlogRecord[], moveCursor: boolean) => {
    for (let i = 0; i < recs.length && running; i += batchSize) {
      const batch = recs.slice(i, i + batchSize);
      const body = batch
        .map((r) => encodeAdmsAttlogLine({ ...r, workcode: r.workcode, extra: [] }))
        .join('\n');
      if (!(await post('ATTLOG', moveCursor ? cursor : 9999, `${body}\n`))) return;
      stats.acked++;
      if (moveCursor) cursor = Math.max(cursor, packWallTime(batch.at(-1)!.deviceTime));
    }
  };

  const uploadNew = () =>
    uploadRecords(
      records.filter((r) => packWallTime(r.deviceTime) > cursor),
      true,
    );

  const runCommand = async (line: string) => {
    const c = parseCommandLine(line);
    if (!c) return;
    stats.commands++;
    let result = {
      id: c.id,
      returnCode: 0,
      cmd: c.command?.kind.split(' ')[0] ?? 'UNKNOWN CMD',
      content: [] as string[],
    };
    const cmd = c.command;
    if (!cmd) result.returnCode = -22;
    else if (cmd.kind === 'DATA QUERY ATTLOG') {
      const [from, to] = [packWallTime(cmd.start), packWallTime(cmd.end)];
      const hit = records.filter((r) => {
        const t = packWallTime(r.deviceTime);
        return t >= from && t <= to;
      });
      await uploadRecords(hit, false);
      if (hit.length === 0) result.returnCode = -1;
    } else if (cmd.kind === 'CHECK' || cmd.kind === 'REBOOT') {
      // a reboot loses the RAM cursor (§4.3): the next handshake decides what is sent again
      if (cmd.kind === 'REBOOT') cursor = 0;
      await handshake();
    } else if (cmd.kind === 'INFO') {
      result = {
        ...result,
        content: [
          `~SerialNumber=${serial}`,
          `UserCount=${users.length}`,
          `TransactionCount=${records.length}`,
        ],
      };
    }
    await http
      .send('POST', `/iclock/devicecmd?${q}`, `${encodeDeviceCommandResult(result)}\n`)
      .catch(() => undefined);
  };

  const run = async () => {
    await handshake();
    await uploadNew();
    if (users.length > 0 && running)
      await post(
        'OPERLOG',
        9999,
        `${users.map((u) => encodeOperlogUser({ userId: u.userId, name: u.name, privilege: u.privilege })).join('\n')}\n`,
      );
    while (running) {
      if (records.some((r) => packWallTime(r.deviceTime) > cursor)) await uploadNew();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
      stats.polls++;
      const r = await http.send('GET', `/iclock/getrequest?${q}`).catch(() => undefined);
      for (const line of r?.status === 200 ? r.body.split('\n') : []) if (running) await runCommand(line);
      if (running) await sleep(pollMs);
    }
  };
  const loop = run().catch((err: unknown) => log?.error({ err }, 'push terminal stopped on an error'));
  return terminal;
}
