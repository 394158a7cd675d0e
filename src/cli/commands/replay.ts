import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';
import { int } from '../options.js';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('decode every frame and record of a pcap/pcapng capture, or serve it as a fake terminal')
    .argument('<file>', 'capture file (pcap or pcapng; Ethernet, Linux cooked or raw-IP link type)')
    .option('--as-device', 'serve the recorded terminal answers to live clients instead of decoding')
    .option(
      '--port <port>',
      'port for --as-device, TCP or UDP as recorded (0 = any free port)',
      int('port'),
      4370,
    )
    .option('--host <host>', 'address to listen on for --as-device', '127.0.0.1')
    .option('--once', 'with --as-device: exit after the first client disconnects')
    .option(
      '--device-port <port>',
      'only sessions with this terminal port (default: every TCP connection, UDP on 4370)',
      int('device-port'),
    )
    .action(
      async (
        file: string,
        o: { asDevice?: boolean; port: number; host: string; once?: boolean; devicePort?: number },
      ) => {
        const { createLogger } = await import('../../ops/log.js');
        const logger = createLogger();
        await runCommand(logger, async () => {
          const { runReplayCommand } = await import('../replay-command.js');
          await runReplayCommand({ file, ...o }, logger);
        });
      },
    );
}
