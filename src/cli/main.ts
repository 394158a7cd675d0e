#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { loadCloudConfig, loadSiteConfig } from '../config/load.js';
import { createLogger } from '../ops/log.js';
import { untilSignal } from '../ops/signals.js';
import { runSimulateCommand, type SimulateCommandOptions } from '../sim/cli.js';
import { startDemo } from './demo.js';
import { EXIT_USAGE, runCommand, UsageError } from './exit-codes.js';
import { startForwarderFromConfig } from './forwarder.js';
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
        const demo = await startDemo({ ...o, apiSecret: process.env.X05_FRAPPE_API_SECRET }, logger);
        if (o.exitWhenDone) await demo.done;
        else await untilSignal();
        await demo.stop();
      });
    },
  );

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

program
  .command('simulate')
  .description('serve a simulated ZK-family terminal (for demos, tests and benchmarks)')
  .option('--port <port>', 'TCP port (0 = any free port)', int('port'), 4370)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--records <n>', 'punches to generate', int('records'), 2000)
  .option('--users <n>', 'users to generate', int('users'), 50)
  .option('--serial <serial>', 'serial number the terminal reports', 'SIM0000001')
  .option('--seed <k>', 'seed of the generated users and punches', int('seed'), 1)
  .option('--record-size <bytes>', 'attendance record layout: 40, 16 or 8', int('record-size'), 40)
  .option('--pace-ms <ms>', 'gap between frames (node-zklib needs about 5)', int('pace-ms'), 0)
  .option('--clock-offset-s <s>', 'device clock minus true time, seconds', Number, 0)
  .option('--data-file <file>', 'JSON file with users and records instead of generated ones')
  .action(async (o: SimulateCommandOptions) => {
    const logger = createLogger();
    await runCommand(logger, () => runSimulateCommand(o));
  });

await program.parseAsync(process.argv);
