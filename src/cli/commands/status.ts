import type { Command } from 'commander';
import { createLogger } from '../../ops/log.js';
import { formatStatus, type StatusReport } from '../../ops/status-report.js';
import { runCommand } from '../exit-codes.js';
import { askGateway, type OpsTarget, opsUrlOption } from '../ops-client.js';

/** Asks a running gateway (its ops endpoint) rather than opening the store, which the gateway holds locked. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('devices, queue depth, drift and last errors of a running gateway')
    .option('--config <file>', 'site config (YAML); its ops.listen says where the gateway answers')
    .option('--url <url>', opsUrlOption)
    .option('--json', 'print the status as JSON')
    .action(async (o: OpsTarget & { json?: boolean }) => {
      const logger = createLogger();
      await runCommand(logger, async () => {
        const report = (await askGateway(o, '/status')).body as StatusReport;
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
      });
    });
}
