import type { Command } from 'commander';
import { runDaemon } from '../exit-codes.js';
import { untilSignal } from '../signals.js';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run device sessions, the store and the MQTT publisher for one site')
    .requiredOption('--config <file>', 'site config (YAML)')
    .action(async (o: { config: string }) => {
      // listened for before start-up: a SIGTERM while the logger loads, the store opens and the pollers
      // start would otherwise kill the process outright; this way it waits for the start, then stops cleanly
      const stopAsked = untilSignal();
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      await runDaemon(logger, async () => {
        const [{ loadSiteConfig }, { startGateway }] = await Promise.all([
          import('../../config/load.js'),
          import('../../app/gateway.js'),
        ]);
        const cfg = loadSiteConfig(o.config);
        const log = createLogger(cfg.log_level, { site: cfg.site });
        const gw = await startGateway(cfg, log);
        const sig = await stopAsked;
        log.info({ signal: sig }, 'stopping');
        await gw.stop();
      });
    });
}
