import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';
import { int } from '../options.js';

export function registerPullCommand(program: Command): void {
  program
    .command('pull')
    .description('download every punch from one terminal once, as PunchEvent JSON lines')
    .requiredOption('--host <host>', 'terminal address')
    .option('--port <port>', 'terminal TCP port', int('port'), 4370)
    .option('--out <file>', 'output file, put in place once the pull succeeded; - for stdout', '-')
    .option('--site <name>', 'site name written into each event', 'default')
    // no default value here: asking ICU for the host's zone maps its data (8 MB of RSS in a bare node) in
    // every command's process, the gateway's included; it is asked only when pull runs without one
    .option('--timezone <zone>', "IANA zone of the terminal clock (default: this host's)")
    .option('--timeout-ms <ms>', 'per-answer timeout', int('timeout-ms'), 5000)
    .option(
      '--comm-key <key>',
      'comm key set on the terminal (0…999999); or X05_COMM_KEY',
      int('comm-key'),
      process.env.X05_COMM_KEY ? Number(process.env.X05_COMM_KEY) : undefined,
    )
    .option('--udp', 'talk UDP (older terminals, no TCP envelope)')
    .option('--capture <file>', 'record the session to a pcap file (replay it with x05-gateway replay)')
    .action(
      async (o: {
        host: string;
        port: number;
        out: string;
        site: string;
        timezone?: string;
        timeoutMs: number;
        capture?: string;
        commKey?: number;
        udp?: boolean;
      }) => {
        const { createLogger } = await import('../../ops/log.js');
        const logger = createLogger();
        await runCommand(logger, async () => {
          const [{ runPullCommand }, { hostTimeZone }] = await Promise.all([
            import('../pull-command.js'),
            import('../../event/wall-clock.js'),
          ]);
          await runPullCommand({ ...o, timezone: o.timezone ?? hostTimeZone() }, logger);
        });
      },
    );
}
