import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface SiteFileOptions {
  dir: string;
  site: string;
  brokerUrl: string;
  /** `options`: more keys of the device entry (realtime, heartbeat_s …). */
  devices: Array<{
    host: string;
    port: number;
    serial: string;
    timezone?: string;
    options?: Record<string, unknown>;
  }>;
  pollIntervalS?: number;
  extra?: Record<string, unknown>;
}

/** Writes a gateway site.yaml for a test and returns its path; the store lives in `dir/store`. */
export function writeSiteConfig(o: SiteFileOptions): string {
  const file = join(o.dir, `${o.site}.yaml`);
  writeFileSync(
    file,
    stringify({
      site: o.site,
      data_dir: join(o.dir, 'store'),
      broker: { url: o.brokerUrl },
      devices: o.devices.map((d) => ({
        host: d.host,
        port: d.port,
        serial: d.serial,
        timezone: d.timezone ?? 'UTC',
        poll_interval_s: o.pollIntervalS ?? 1,
        ...d.options,
      })),
      // a free port each, so tests running side by side never fight over the default 9464
      ops: { listen: '127.0.0.1:0' },
      ...o.extra,
    }),
  );
  return file;
}
