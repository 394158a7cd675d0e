import type { Command } from 'commander';
import { loadCloudConfig } from '../../config/load.js';
import { createLogger } from '../../ops/log.js';
import { untilSignal } from '../../ops/signals.js';
import { runCommand } from '../exit-codes.js';
import { startForwarderFromConfig } from '../forwarder.js';

export function registerForwarderCommand(program: Command): void {
  program
    .command('forwarder')
    .description('take punches from MQTT and write them to Frappe: Attendance Raw Log, then Employee Checkin')
    .requiredOption('--config <file>', 'cloud config (YAML)')
    .option('--dry-run', 'print the Frappe calls instead of making them')
    .action(async (o: { config: string; dryRun?: boolean }) => {
      const logger = createLogger();
      await runCommand(logger, async () => {
        // a dry run talks to no Frappe, so it needs no secret
        const cfg = loadCloudConfig(o.config, process.env, { requireSecret: !o.dryRun });
        const log = createLogger(cfg.log_level);
        const fwd = await startForwarderFromConfig(cfg, log, o.dryRun ? process.stdout : undefined);
        const sig = await untilSignal();
        log.info({ signal: sig, stats: fwd.stats }, 'stopping');
        await fwd.stop();
      });
    });
}
