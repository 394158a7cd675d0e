import type { Command } from 'commander';
import type { DeviceFacts } from '../../device/index.js';
import { runCommand } from '../exit-codes.js';
import { int } from '../options.js';

interface UsersOptions {
  host: string;
  port: number;
  timeoutMs: number;
  commKey?: number;
  json?: boolean;
  udp?: boolean;
}

/**
 * `x05-gateway users --host H`: the terminal's facts (serial, firmware, platform, name, counts and
 * capacities) and its user list on stdout, one line per user: a table, or with --json JSON lines of users
 * only, so a site can build its user map from them (the facts then go to the log).
 */
export function registerUsersCommand(program: Command): void {
  program
    .command('users')
    .description("print a terminal's serial, firmware, counts and capacities, then its user list")
    .requiredOption('--host <host>', 'terminal address')
    .option('--port <port>', 'terminal TCP port', int('port'), 4370)
    .option('--timeout-ms <ms>', 'per-answer timeout', int('timeout-ms'), 5000)
    .option(
      '--comm-key <key>',
      'comm key set on the terminal (0…999999); or X05_COMM_KEY',
      int('comm-key'),
      process.env.X05_COMM_KEY ? Number(process.env.X05_COMM_KEY) : undefined,
    )
    .option('--json', 'one JSON line per user instead of the facts and a table')
    .option('--udp', 'talk UDP (older terminals, no TCP envelope)')
    .action(async (o: UsersOptions) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      await runCommand(logger, async () => {
        const { readUsers } = await import('../../device/facts.js');
        const list = await readUsers({
          host: o.host,
          port: o.port,
          timeoutMs: o.timeoutMs,
          ...(o.commKey ? { commKey: o.commKey } : {}),
          ...(o.udp ? { transport: 'udp' as const } : {}),
        });
        if (o.json) logger.info({ ...list.facts, user_record_size: list.recordSize }, 'terminal facts');
        for (const err of list.rejected) logger.warn({ err }, 'user record rejected');
        const lines = o.json
          ? list.users.map(({ password: _secret, ...u }) => JSON.stringify(u))
          : [
              ...factLines(list.facts, list.recordSize),
              '',
              ['uid', 'user_id', 'name', 'privilege', 'card', 'group'].join('\t'),
              ...list.users.map((u) => [u.uid, u.userId, u.name, u.privilege, u.card, u.group].join('\t')),
            ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}

function factLines(f: DeviceFacts, recordSize: number): string[] {
  const of = (n: number | undefined, cap: number | undefined) =>
    `${n?.toLocaleString('en') ?? '?'}${cap === undefined ? '' : ` of ${cap.toLocaleString('en')}`}`;
  const s = f.sizes;
  return [
    `terminal ${f.serial}  firmware ${f.firmware}  platform ${f.platform}  name ${f.deviceName}  MAC ${f.mac}`,
    `users ${of(s.users, s.userCapacity)}  fingerprints ${of(s.fingerprints, s.fingerprintCapacity)}  records ${of(s.records, s.recordCapacity)}  user record ${recordSize} bytes`,
  ];
}
