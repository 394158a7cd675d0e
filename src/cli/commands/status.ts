import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';
import type { OpsTarget } from '../ops-client.js';
import { opsUrlOption } from '../options.js';

/** Asks a running gateway (its ops endpoint) rather than opening the store, which the gateway holds locked. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'devices, queue depth, drift and last errors of a running gateway (or a forwarder, with --url)',
    )
    .option('--config <file>', 'site config (YAML); its ops.listen says where the gateway answers')
    .option('--url <url>', opsUrlOption)
    .option('--json', 'print the status as JSON')
    .action(async (o: OpsTarget & { json?: boolean }) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      await runCommand(logger, async () => {
        const { askGateway } = await import('../ops-client.js');
        // the process renders its own text: a gateway and a forwarder report different things
        const { body } = await askGateway(o, o.json ? '/status' : '/status?format=text');
        process.stdout.write(o.json ? `${JSON.stringify(body, null, 2)}\n` : String(body));
      });
    });
}
