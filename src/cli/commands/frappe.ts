import type { Command } from 'commander';
import { runCommand } from '../exit-codes.js';

/**
 * `x05-gateway frappe setup --config cloud.yaml`: creates the custom DocTypes and checks the site. Runs
 * with the config's key, or with an administrator's key from X05_FRAPPE_ADMIN_API_KEY and
 * X05_FRAPPE_ADMIN_API_SECRET (creating DocTypes needs System Manager); the forwarder's own key is then
 * still used to check that its user may write Checkin `time`. Prints the report as JSON; exit 1 when
 * something is missing.
 */
export function registerFrappeCommand(program: Command): void {
  const frappe = program.command('frappe').description('prepare and check the Frappe/ERPNext site');
  frappe
    .command('setup')
    .description('create the custom DocTypes (idempotent) and check Frappe HR and the API user roles')
    .requiredOption('--config <file>', 'cloud config (YAML)')
    .action(async (o: { config: string }) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      await runCommand(logger, async () => {
        const [{ loadCloudConfig }, { FrappeClient }, { setupFrappe }] = await Promise.all([
          import('../../config/load.js'),
          import('../../frappe/client.js'),
          import('../../frappe/setup.js'),
        ]);
        const cfg = loadCloudConfig(o.config, process.env);
        const log = createLogger(cfg.log_level);
        const forwarder = FrappeClient.fromConfig(cfg.frappe);
        const key = process.env.X05_FRAPPE_ADMIN_API_KEY;
        const secret = process.env.X05_FRAPPE_ADMIN_API_SECRET;
        const admin =
          key && secret
            ? // the admin key, with everything else (site, timeout, private CA) from the config
              FrappeClient.fromConfig({ ...cfg.frappe, api_key: key, api_secret: secret })
            : forwarder;
        const report = await setupFrappe(admin, forwarder);
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        for (const p of report.problems) log.error({ problem: p }, 'Frappe site not ready');
        if (report.problems.length > 0) process.exitCode = 1;
        else
          log.info(
            { created: report.created, updated: report.updated },
            'Frappe site ready for the forwarder',
          );
      });
    });
}
