#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { loadSiteConfig } from '../config/load.js';
import { createLogger } from '../ops/log.js';
import { EXIT_USAGE, runCommand, untilSignal } from './exit-codes.js';
import { startGateway } from './gateway.js';
import { runPullCommand } from './pull-command.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

const program = new Command('x05-gateway')
  .description('Attendance punches from ZK-family terminals into Frappe HRMS, exactly once.')
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  });

program
  .command('gateway')
  .description('run device sessions, the store and the MQTT publisher for one site')
  .requiredOption('--config <file>', 'site config (YAML)')
  .action(async (o: { config: string }) => {
    const logger = createLogger();
    await runCommand(logger, async () => {
      const cfg = loadSiteConfig(o.config);
      const log = createLogger(cfg.log_level, { site: cfg.site });
      const gw = await startGateway(cfg, log);
      const sig = await untilSignal();
      log.info({ signal: sig }, 'stopping');
      await gw.stop();
    });
  });

program
  .command('pull')
  .description('download every punch from one terminal once, as PunchEvent JSON lines')
  .requiredOption('--host <host>', 'terminal address')
  .option('--port <port>', 'terminal TCP port', int('port'), 4370)
  .option('--out <file>', 'output file, - for stdout', '-')
  .option('--site <name>', 'site name written into each event', 'default')
  .option(
    '--timezone <zone>',
    'IANA zone of the terminal clock',
    Intl.DateTimeFormat().resolvedOptions().timeZone,
  )
  .option('--timeout-ms <ms>', 'per-answer timeout', int('timeout-ms'), 5000)
  .action(
    async (o: {
      host: string;
      port: number;
      out: string;
      site: string;
      timezone: string;
      timeoutMs: number;
    }) => {
      const logger = createLogger();
      await runCommand(logger, () => runPullCommand(o, logger));
    },
  );

await program.parseAsync(process.argv);
