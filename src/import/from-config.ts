import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { type CsvMapping, type DateOrder, DEFAULT_CSV_MAPPING } from '../../protocol/attlog/csv-row.js';
import type { SiteConfig } from '../config/index.js';
import type { PunchSink } from '../event/index.js';
import { type FileDevice, FolderWatcher } from './watch-folder.js';

export function csvMapping(dateOrder: DateOrder): CsvMapping {
  return { ...DEFAULT_CSV_MAPPING, dateOrder };
}

/** The zone of a serial named in the site config (pulled, pushing, or `import.timezone`). */
export function zoneOfSerial(cfg: SiteConfig, serial: string): string | undefined {
  return (
    cfg.devices.find((d) => d.serial === serial)?.timezone ??
    cfg.push?.devices.find((d) => d.serial === serial)?.timezone ??
    cfg.import?.timezone
  );
}

/**
 * The terminal behind a file name: `<PREFIX>_attlog.dat` (or `<PREFIX>_….csv`) where the prefix is a
 * machine number mapped in `import.devices`, or a serial itself (newer firmware, usb-export §1).
 */
export function resolveFileDevice(cfg: SiteConfig, fileName: string): FileDevice | undefined {
  const prefix = basename(fileName).split(/[_.]/)[0] ?? '';
  const serial = cfg.import?.devices[prefix] ?? prefix;
  const timezone = zoneOfSerial(cfg, serial);
  const known =
    cfg.import?.devices[prefix] !== undefined ||
    cfg.devices.some((d) => d.serial === serial) ||
    (cfg.push?.devices.some((d) => d.serial === serial) ?? false);
  return known && timezone ? { serial, timezone } : undefined;
}

/** The gateway's watched folder from the site config's `import` section (none when it is absent). */
export async function startWatchFromConfig(
  cfg: SiteConfig,
  sink: PunchSink,
  logger: Logger,
): Promise<FolderWatcher | undefined> {
  const i = cfg.import;
  if (!i) return undefined;
  const watcher = new FolderWatcher({
    dir: i.watch_dir,
    processedDir: i.processed_dir ?? join(i.watch_dir, 'processed'),
    failedDir: i.failed_dir ?? join(i.watch_dir, 'failed'),
    site: cfg.site,
    sink,
    logger: logger.child({ component: 'import' }),
    resolveDevice: (name) => resolveFileDevice(cfg, name),
    scanIntervalMs: i.scan_interval_s * 1000,
    ...(i.csv_date_order ? { csv: csvMapping(i.csv_date_order) } : {}),
  });
  await watcher.start();
  return watcher;
}
