import type { Command } from 'commander';
import { runCommand, runDaemon } from '../exit-codes.js';
import { untilSignal } from '../signals.js';

export function registerForwarderCommand(program: Command): void {
  program
    .command('forwarder')
    .description(
      'take punches from MQTT and write them to Frappe: Employee Checkin, then its Attendance Raw Log',
    )
    .requiredOption('--config <file>', 'cloud config (YAML)')
    .option(
      '--dry-run',
      'print the Frappe calls instead of making them, for a copy of each new punch; confirms none, so it can run beside the service',
    )
    .option(
      '--retry-unmapped',
      'write the Checkins of Raw Logs parked as Unmapped whose employee now exists, then exit',
    )
    .action(async (o: { config: string; dryRun?: boolean; retryUnmapped?: boolean }) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      // --retry-unmapped is one pass that ends, not a daemon
      const run = o.retryUnmapped ? runCommand : runDaemon;
      await run(logger, async () => {
        const [{ loadCloudConfig }, { FrappeClient }, { retryUnmapped }, forwarder, { startForwarderOps }] =
          await Promise.all([
            import('../../config/load.js'),
            import('../../frappe/client.js'),
            import('../../frappe/unmapped-retry.js'),
            import('../../app/forwarder.js'),
            import('../../app/forwarder-ops.js'),
          ]);
        const { batchWriterFor, startForwarderFromConfig } = forwarder;
        // a dry run talks to no Frappe, so it needs no secret
        const cfg = loadCloudConfig(o.config, process.env, { requireSecret: !o.dryRun });
        const log = createLogger(cfg.log_level);
        if (o.retryUnmapped) {
          const result = await retryUnmapped(batchWriterFor(cfg, FrappeClient.fromConfig(cfg.frappe)));
          log.info(result, 'Unmapped retry pass done');
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const fwd = await startForwarderFromConfig(cfg, log, o.dryRun ? process.stdout : undefined);
        // the service beside it holds ops.listen
        const ops = o.dryRun ? undefined : await startForwarderOps(cfg, fwd, log);
        const sig = await untilSignal();
        log.info({ signal: sig, stats: fwd.stats }, 'stopping');
        await ops?.stop();
        await fwd.stop();
      });
    });
}
