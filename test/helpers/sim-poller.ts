import { DevicePoller, type PollerOptions } from '../../src/device/index.js';

/** A poller for one simulator on loopback with test defaults (UTC, 10 s answers, no timed re-poll). */
export function simPoller(
  sim: { host: string; port: number },
  o: Pick<PollerOptions, 'sink' | 'logger' | 'label'> & Partial<PollerOptions>,
): DevicePoller {
  return new DevicePoller({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 10_000,
    intervalMs: 60_000,
    ...o,
  });
}
