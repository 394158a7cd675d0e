import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';
import { int } from '../options.js';
import type { SimulateCommandOptions } from '../simulate-command.js';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('serve a simulated ZK-family terminal (for demos, tests and benchmarks)')
    .option('--port <port>', 'TCP port (0 = any free port)', int('port'), 4370)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--records <n>', 'punches to generate', int('records'), 2000)
    .option('--users <n>', 'users to generate', int('users'), 50)
    .option('--serial <serial>', 'serial number the terminal reports', 'SIM0000001')
    .option('--seed <k>', 'seed of the generated users and punches', int('seed'), 1)
    .option('--record-size <bytes>', 'attendance record layout: 40, 49, 22, 16 or 8', int('record-size'), 40)
    .option('--pace-ms <ms>', 'gap between frames (node-zklib needs about 5)', int('pace-ms'), 0)
    .option('--clock-offset-s <s>', 'device clock minus true time, seconds', Number, 0)
    .option('--data-file <file>', 'JSON file with users and records instead of generated ones')
    .option('--comm-key <key>', 'comm key set on the terminal (0 = none)', int('comm-key'))
    .option('--udp', 'also answer over UDP on the same port (older terminals)')
    .option('--realtime-rate <n>', 'punches per second added and sent as realtime events', Number)
    .option('--realtime-delay-s <s>', 'seconds before --realtime-rate punching starts', Number)
    .option(
      '--event-length <bytes>',
      'EF_ATTLOG payload length: 10, 12, 14, 32, 36, 37 or 52',
      int('event-length'),
    )
    .option(
      '--record-capacity <n>',
      'log capacity; a full log overwrites its oldest records',
      int('record-capacity'),
    )
    .option(
      '--drop-after-bytes <n>',
      'fault: cut the connection after N bytes sent (once)',
      int('drop-after-bytes'),
    )
    .option('--delay-ms <ms>', 'fault: wait before every answer', int('delay-ms'))
    .option(
      '--corrupt-command <code>',
      'fault: break the checksum of answers to this command',
      int('corrupt-command'),
    )
    .option(
      '--ignore-command <code...>',
      'fault: never answer these commands',
      (v: string, prev: number[] = []) => [...prev, int('ignore-command')(v)],
    )
    .option(
      '--drop-every-nth-datagram <n>',
      'fault (with --udp): lose every Nth UDP datagram the terminal sends',
      int('drop-every-nth-datagram'),
    )
    .option('--push <url>', 'act as a push-mode (ADMS) terminal calling this server instead of serving TCP')
    .option('--push-key <key>', 'with --push: push comm key, sent on the handshake only (as old firmware)')
    .action(async (o: SimulateCommandOptions & { push?: string; pushKey?: string }) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      const { push, pushKey, ...tcp } = o;
      await runCommand(logger, async () => {
        if (push)
          await (await import('../push-simulate-command.js')).runPushSimulateCommand({
            ...tcp,
            push,
            ...(pushKey === undefined ? {} : { pushKey }),
          });
        else await (await import('../simulate-command.js')).runSimulateCommand(tcp);
      });
    });
}
