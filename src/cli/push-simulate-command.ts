import { createLogger } from '../ops/index.js';
import { startPushTerminal } from '../sim/index.js';
import { untilSignal } from './signals.js';

export interface PushSimulateOptions {
  push: string;
  serial?: string;
  seed?: number;
  users?: number;
  records?: number;
  dataFile?: string;
  /** Push comm key set on the terminal. */
  pushKey?: string;
  logLevel?: string;
}

/**
 * `x05-gateway simulate --push URL`: the simulated terminal in push (ADMS/cloud) mode, calling the
 * gateway's push receiver until SIGINT or SIGTERM.
 */
export async function runPushSimulateCommand(o: PushSimulateOptions): Promise<void> {
  const log = createLogger(o.logLevel, { component: 'simulate' });
  const terminal = await startPushTerminal({
    url: o.push,
    ...(o.serial === undefined ? {} : { serial: o.serial }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.users === undefined ? {} : { users: o.users }),
    ...(o.records === undefined ? {} : { records: o.records }),
    ...(o.dataFile === undefined ? {} : { dataFile: o.dataFile }),
    ...(o.pushKey === undefined ? {} : { token: o.pushKey }),
    logger: log,
  });
  log.info(
    { url: o.push, serial: terminal.serial, records: terminal.records.length },
    'push terminal started',
  );
  void terminal.whenIdle().then(() => log.info({ ...terminal.stats }, 'backlog uploaded; polling'));
  const signal = await untilSignal();
  await terminal.stop();
  log.info({ signal, ...terminal.stats }, 'push terminal stopped');
}
