import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';
import type { ImportCommandOptions } from '../import-command.js';

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'import a USB export (*_attlog.dat or CSV) into the gateway store; prints read/new/duplicate/rejected, exits 1 when no line is a punch',
    )
    .argument('<file>', 'the exported file')
    .requiredOption('--device <serial>', 'serial of the terminal that wrote the file (the file rarely says)')
    .option('--timezone <zone>', 'IANA zone of that terminal (default: from --config, else this host)')
    .option('--site <name>', 'site name written into each event (default: from --config, else "default")')
    .option('--data-dir <dir>', 'gateway store (default: from --config, else $X05_DATA_DIR, else ./x05-data)')
    .option('--config <file>', 'site config: store, site and the device zone from it')
    .option('--date-order <order>', 'CSV only: DMY, MDY or YMD')
    .option('--json', 'print the summary as one JSON object')
    .action(async (file: string, o: ImportCommandOptions) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger(undefined, { component: 'import' });
      await runCommand(logger, async () => {
        const { runImport } = await import('../import-command.js');
        await runImport(file, o, logger);
      });
    });
}
