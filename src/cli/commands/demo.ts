import type { Command } from 'commander';
import { runCommand, UsageError } from '../exit-codes.js';
import { int } from '../options.js';
import { untilSignal } from '../signals.js';

interface DemoCommandOptions {
  records: number;
  users: number;
  frappeUrl?: string;
  apiKey?: string;
  siteTimezone?: string;
  follow?: boolean;
  verbose?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'everything on loopback, nothing to install: simulated terminal, gateway, embedded broker, forwarder; prints a line per stage and exits',
    )
    .option('--records <n>', 'punches on the simulated terminal', int('records'), 2000)
    .option('--users <n>', 'users on the simulated terminal', int('users'), 50)
    .option(
      '--frappe-url <url>',
      'write to this Frappe site instead of a dry run (secret in X05_FRAPPE_API_SECRET)',
    )
    .option('--api-key <key>', 'Frappe API key, with --frappe-url')
    .option('--site-timezone <zone>', "Frappe's system time zone (read from the site when left out)")
    .option('--follow', 'keep running after the summary (the status page stays up) until Ctrl-C')
    .option('--verbose', 'info logs on stderr, and a dry run prints every Frappe request it would send')
    .action(async (o: DemoCommandOptions) => {
      // a demo is read by a person: warnings only, unless asked
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger(o.verbose ? 'info' : (process.env.X05_LOG_LEVEL ?? 'warn'));
      await runCommand(logger, async () => {
        if (o.frappeUrl && (!o.apiKey || !process.env.X05_FRAPPE_API_SECRET)) {
          throw new UsageError('--frappe-url needs --api-key and X05_FRAPPE_API_SECRET');
        }
        const { startDemo } = await import('../../app/demo.js');
        const { follow, ...opts } = o;
        const stop = untilSignal();
        const demo = await startDemo(
          { ...opts, apiSecret: process.env.X05_FRAPPE_API_SECRET },
          logger,
          process.stdout,
        );
        const interrupted = await Promise.race([demo.done.then(() => false), stop.then(() => true)]);
        if (follow && !interrupted) {
          process.stdout.write(`still running; status page ${demo.statusPage ?? '(none)'}. Ctrl-C to stop\n`);
          await stop;
        }
        await demo.stop();
      });
    });
}
