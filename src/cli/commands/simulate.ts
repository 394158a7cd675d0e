import type { Command } from 'commander';
import { createLogger } from '../../ops/log.js';
import { runSimulateCommand, type SimulateCommandOptions } from '../../sim/cli.js';
import { runCommand } from '../exit-codes.js';
import { int } from '../options.js';

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
    .option('--record-size <bytes>', 'attendance record layout: 40, 16 or 8', int('record-size'), 40)
    .option('--pace-ms <ms>', 'gap between frames (node-zklib needs about 5)', int('pace-ms'), 0)
    .option('--clock-offset-s <s>', 'device clock minus true time, seconds', Number, 0)
    .option('--data-file <file>', 'JSON file with users and records instead of generated ones')
    .action(async (o: SimulateCommandOptions) => {
      const logger = createLogger();
      await runCommand(logger, () => runSimulateCommand(o));
    });
}
