import type { Command } from 'commander';
import { createLogger } from '../../ops/log.js';
import { untilSignal } from '../../ops/signals.js';
import { runCommand, UsageError } from '../exit-codes.js';
import { int } from '../options.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'everything on loopback, nothing to install: simulated terminal, gateway, embedded broker, forwarder',
    )
    .option('--records <n>', 'punches on the simulated terminal', int('records'), 100)
    .option('--users <n>', 'users on the simulated terminal', int('users'), 10)
    .option(
      '--frappe-url <url>',
      'write to this Frappe site instead of printing the calls (secret in X05_FRAPPE_API_SECRET)',
    )
    .option('--api-key <key>', 'Frappe API key, with --frappe-url')
    .option('--site-timezone <zone>', "Frappe's system time zone (read from the site when left out)")
    .option('--exit-when-done', 'stop once every punch went through')
    .action(
      async (o: {
        records: number;
        users: number;
        frappeUrl?: string;
        apiKey?: string;
        siteTimezone?: string;
        exitWhenDone?: boolean;
      }) => {
        const logger = createLogger();
        await runCommand(logger, async () => {
          if (o.frappeUrl && (!o.apiKey || !process.env.X05_FRAPPE_API_SECRET)) {
            throw new UsageError('--frappe-url needs --api-key and X05_FRAPPE_API_SECRET');
          }
          const { startDemo } = await import('../demo.js');
          const demo = await startDemo({ ...o, apiSecret: process.env.X05_FRAPPE_API_SECRET }, logger);
          if (o.exitWhenDone) await demo.done;
          else await untilSignal();
          await demo.stop();
        });
      },
    );
}
