import { createLogger } from '../ops/index.js';
import type { SimFaults, SimulatorOptions } from '../sim/index.js';
import { startSimulator } from '../sim/index.js';
import { untilSignal } from './signals.js';

export interface SimulateCommandOptions extends Omit<SimulatorOptions, 'logger' | 'faults'> {
  /** pino level; default X05_LOG_LEVEL or info. */
  logLevel?: string;
  /** Fault switches as flat CLI options (faults.ts). */
  dropAfterBytes?: number;
  delayMs?: number;
  corruptCommand?: number;
  ignoreCommand?: number[];
  dropEveryNthDatagram?: number;
}

/**
 * `x05-gateway simulate`: serves a simulated terminal until SIGINT or SIGTERM, then closes it and
 * resolves. Bad options reject with SimulatorOptionError (code X05_USAGE, exit 2).
 */
export async function runSimulateCommand(opts: SimulateCommandOptions): Promise<void> {
  const {
    logLevel,
    dropAfterBytes,
    delayMs,
    corruptCommand,
    ignoreCommand,
    dropEveryNthDatagram,
    ...simOptions
  } = opts;
  const log = createLogger(logLevel, { component: 'simulate' });
  const faults: SimFaults = {
    ...(dropAfterBytes === undefined ? {} : { dropAfterBytes }),
    ...(delayMs === undefined ? {} : { delayMs }),
    ...(corruptCommand === undefined ? {} : { corruptCommand }),
    ...(ignoreCommand === undefined ? {} : { ignoreCommands: ignoreCommand }),
    ...(dropEveryNthDatagram === undefined ? {} : { dropEveryNthDatagram }),
  };
  const sim = await startSimulator({ ...simOptions, faults, logger: log });
  const { device } = sim;
  log.info(
    {
      host: sim.host,
      port: sim.port,
      serial: device.serial,
      users: device.users.length,
      records: device.records.length,
      recordSize: device.profile.recordSize,
      paceMs: device.profile.paceMs,
      commKeySet: device.profile.commKey !== 0,
      faults,
    },
    `simulator listening on ${sim.host}:${sim.port}`,
  );
  const signal = await untilSignal();
  await sim.stop();
  log.info({ signal }, 'simulator stopped');
}
