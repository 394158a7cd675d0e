#!/usr/bin/env node
import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerForwarderCommand } from './commands/forwarder.js';
import { registerGatewayCommand } from './commands/gateway.js';
import { registerPullCommand } from './commands/pull.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { EXIT_USAGE } from './exit-codes.js';

const program = new Command('x05-gateway')
  .description('Attendance punches from ZK-family terminals into Frappe HRMS, exactly once.')
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  });

registerGatewayCommand(program);
registerForwarderCommand(program);
registerDemoCommand(program);
registerPullCommand(program);
registerSimulateCommand(program);

await program.parseAsync(process.argv);
