import type { Command } from 'commander';
import { loadSiteConfig } from '../../config/load.js';
import { createLogger } from '../../ops/log.js';
import { OpsUnreachableError, opsUrl } from '../../ops/ops-server.js';
import { formatStatus, type StatusReport } from '../../ops/status-report.js';
import { runCommand, UsageError } from '../exit-codes.js';

const DEFAULT_LISTEN = '127.0.0.1:9464';

/** Asks a running gateway (its ops endpoint) rather than opening the store, which the gateway holds locked. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('devices, queue depth, drift and last errors of a running gateway')
    .option('--config <file>', 'site config (YAML); its ops.listen says where the gateway answers')
    .option('--url <url>', `ops endpoint of the gateway (default http://${DEFAULT_LISTEN})`)
    .option('--json', 'print the status as JSON')
    .action(async (o: { config?: string; url?: string; json?: boolean }) => {
      const logger = createLogger();
      await runCommand(logger, async () => {
        const base = o.url ?? baseUrl(o.config);
        const url = new URL('/status', base).href;
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((err: unknown) => {
          throw new OpsUnreachableError(base, err);
        });
        if (!res.ok) throw new OpsUnreachableError(base, new Error(`HTTP ${res.status}`));
        const report = (await res.json()) as StatusReport;
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
      });
    });
}

function baseUrl(config: string | undefined): string {
  if (!config) return opsUrl(DEFAULT_LISTEN);
  const listen = loadSiteConfig(config).ops.listen;
  if (!listen) throw new UsageError(`${config}: ops.listen is off, so the gateway has no status to ask`);
  return opsUrl(listen);
}
