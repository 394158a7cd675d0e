import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DateOrder } from '../../protocol/attlog/csv-row.js';
import type { SiteConfig } from '../config/index.js';
import { loadSiteConfig } from '../config/index.js';
import { hostTimeZone, isTimeZone } from '../event/index.js';
import {
  csvMapping,
  formatOf,
  type ImportSummary,
  importFile,
  isLockedStore,
  NoPunchesError,
  StoreBusyError,
  zoneOfSerial,
} from '../import/index.js';
import { PunchStore } from '../store/index.js';
import { UsageError } from './exit-codes.js';
import { progressReporter } from './progress.js';

export interface ImportCommandOptions {
  device: string;
  timezone?: string;
  site?: string;
  dataDir?: string;
  config?: string;
  dateOrder?: string;
  json?: boolean;
}

const LISTED = 20;

function printSummary(s: ImportSummary, dataDir: string): void {
  const out = [
    `file ${s.file} (${s.format}) → device ${s.device}, store ${dataDir}`,
    `read ${s.read}  new ${s.new}  duplicate ${s.duplicate}  rejected ${s.rejectedCount}`,
    ...(s.implausible > 0
      ? [`  ${s.implausible} new with an impossible time: stored, parked in Frappe as Error, never a Checkin`]
      : []),
    ...s.rejected.slice(0, LISTED).map((r) => `  line ${r.line}: ${r.reason} | ${JSON.stringify(r.text)}`),
    ...(s.rejectedCount > LISTED ? [`  … and ${s.rejectedCount - LISTED} more (--json lists them)`] : []),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/**
 * `x05-gateway import FILE --device SERIAL`: one USB export into a gateway's store, from where its
 * publisher sends the new punches to MQTT. LevelDB admits one process, so while that gateway runs the
 * store is locked: the file then goes into the gateway's watched folder instead (StoreBusyError says so).
 */
export async function runImport(file: string, o: ImportCommandOptions, logger: Logger): Promise<void> {
  const cfg: SiteConfig | undefined = o.config ? loadSiteConfig(o.config) : undefined;
  const dataDir = o.dataDir ?? cfg?.data_dir ?? process.env.X05_DATA_DIR ?? join(process.cwd(), 'x05-data');
  const site = o.site ?? cfg?.site ?? 'default';
  const configured = o.timezone ?? (cfg ? zoneOfSerial(cfg, o.device) : undefined);
  const timezone = configured ?? hostTimeZone();
  // the zone is part of every event: say when it is a guess
  if (!configured) logger.warn({ device: o.device, timezone }, 'no --timezone: using this host zone');
  if (!isTimeZone(timezone))
    throw new UsageError(`--timezone ${timezone} is not an IANA zone (e.g. Asia/Kolkata)`);
  const format = formatOf(file);
  const dateOrder = (o.dateOrder ?? cfg?.import?.csv_date_order) as DateOrder | undefined;
  if (dateOrder && !['DMY', 'MDY', 'YMD'].includes(dateOrder))
    throw new UsageError(`--date-order ${dateOrder}: DMY, MDY or YMD`);
  if (format === 'csv' && !dateOrder)
    throw new UsageError('a CSV export needs --date-order DMY|MDY|YMD: the day/month order is never guessed');

  await access(file, constants.R_OK).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file} (${err.code ?? err.message})`, { cause: err });
  });
  let store: PunchStore;
  try {
    store = await PunchStore.open(dataDir);
  } catch (err) {
    if (isLockedStore(err)) throw new StoreBusyError(dataDir, err);
    throw err;
  }
  const progress = progressReporter('import', 'bytes', logger);
  let summary: ImportSummary;
  try {
    summary = await importFile({
      file,
      device: o.device,
      site,
      timezone,
      sink: store,
      ...(dateOrder ? { csv: csvMapping(dateOrder) } : {}),
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    await store.close();
  }
  if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, data_dir: dataDir })}\n`);
  else printSummary(summary, dataDir);
  const { rejected, ...counts } = summary;
  logger.info({ ...counts, timezone, site, data_dir: dataDir }, 'import done');
  if (summary.new + summary.duplicate === 0)
    throw new NoPunchesError(file, summary.read, summary.rejectedCount);
}
