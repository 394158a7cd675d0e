#!/usr/bin/env node
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerForwarderCommand } from './commands/forwarder.js';
import { registerFrappeCommand } from './commands/frappe.js';
import { registerGatewayCommand } from './commands/gateway.js';
import { registerImportCommand } from './commands/import.js';
import { registerPullCommand } from './commands/pull.js';
import { registerPushCommand } from './commands/push-command.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStatusCommand } from './commands/status.js';
import { registerUsersCommand } from './commands/users.js';
import { EXIT_USAGE } from './exit-codes.js';
import { packageVersion } from './version.js';

// Each command loads its implementation, its logger (pino) and its config loading (zod, yaml) when it runs
// (import() in its action), not at start: `--version` and any `--help` load commander and this table only
// (docs/benchmarks.md gives the start time), and a gateway process holds neither the demo's broker, the
// simulator nor the forwarder.
// whatever started the process (a shell with umask 022, a unit without UMask=): the punch store, captures
// and downloads it writes hold employees' punches and are for its own user only
process.umask(0o077);

const program = new Command('x05-gateway')
  .description('Attendance punches from ZK-family terminals into Frappe HRMS, exactly once.')
  .version(packageVersion())
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  });

registerGatewayCommand(program);
registerForwarderCommand(program);
registerFrappeCommand(program);
registerDemoCommand(program);
registerPullCommand(program);
registerPushCommand(program);
registerImportCommand(program);
registerReplayCommand(program);
registerSimulateCommand(program);
registerStatusCommand(program);
registerUsersCommand(program);

await program.parseAsync(process.argv);
