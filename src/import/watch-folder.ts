import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CsvMapping } from '../../protocol/attlog/csv-row.js';
import type { PunchSink } from '../event/index.js';
import { formatOf, type ImportSummary, importFile } from './import-file.js';
import { ImportSetupError } from './import-setup-error.js';

export interface FileDevice {
  serial: string;
  timezone: string;
}

export interface WatchFolderOptions {
  dir: string;
  processedDir: string;
  failedDir: string;
  site: string;
  sink: PunchSink;
  logger: Logger;
  /** The terminal that wrote a file, from its name (`1_attlog.dat`, `<SERIAL>_attlog.dat`); undefined = unknown. */
  resolveDevice: (fileName: string) => FileDevice | undefined;
  csv?: CsvMapping;
  /** Periodic rescan (fs.watch misses events on some file systems). Default 5 s. */
  scanIntervalMs?: number;
  onImported?: (s: ImportSummary) => void;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * The gateway's import folder: an operator copies a USB export in, the gateway imports it into its own
 * store (the one process LevelDB admits) and moves it to `processed/` with a `.summary.json` beside it,
 * or to `failed/` with an `.error.txt`. A file is taken once its size and mtime held still for one scan,
 * so a copy in progress is never read half-written.
 */
export class FolderWatcher {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: WatchFolderOptions) {}

  async start(): Promise<void> {
    for (const d of [this.o.dir, this.o.processedDir, this.o.failedDir]) await mkdir(d, { recursive: true });
    const every = this.o.scanIntervalMs ?? 5000;
    this.timer = setInterval(() => this.kick(), every);
    try {
      this.watcher = watch(this.o.dir, () => setTimeout(() => this.kick(), Math.min(500, every)).unref());
    } catch (err) {
      this.o.logger.warn({ err, dir: this.o.dir }, 'fs.watch unavailable; scanning periodically only');
    }
    this.o.logger.info({ dir: this.o.dir }, 'watching for USB exports');
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    await this.scanning;
  }

  /** One pass (also what the timer runs): imports every file that stopped changing. */
  scanOnce(): Promise<void> {
    this.scanning = this.scanning
      .then(() => this.scan())
      .catch((err: unknown) => {
        this.o.logger.error({ err, dir: this.o.dir }, 'import folder scan failed');
      });
    return this.scanning;
  }

  private kick(): void {
    if (!this.stopped) void this.scanOnce();
  }

  private async scan(): Promise<void> {
    const entries = await readdir(this.o.dir, { withFileTypes: true });
    const present = new Set<string>();
    for (const e of entries) {
      if (this.stopped) return;
      if (!e.isFile() || e.name.startsWith('.')) continue;
      present.add(e.name);
      const path = join(this.o.dir, e.name);
      const st = await stat(path).catch(() => undefined);
      if (!st) continue;
      const sig = `${st.size}:${st.mtimeMs}`;
      if (this.seen.get(e.name) !== sig) {
        this.seen.set(e.name, sig);
        continue;
      }
      this.seen.delete(e.name);
      await this.importOne(e.name, path);
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
  }

  private async importOne(name: string, path: string): Promise<void> {
    const log = this.o.logger;
    const device = this.o.resolveDevice(name);
    try {
      if (!device)
        throw new ImportSetupError(
          name,
          'import.devices',
          `no device for ${name}: name it <SERIAL>_attlog.dat or map its prefix`,
        );
      if (formatOf(name) === 'csv' && !this.o.csv)
        throw new ImportSetupError(
          name,
          'import.csv.date_order',
          'a CSV file needs its column mapping and date order',
        );
      const summary = await importFile({
        file: path,
        device: device.serial,
        site: this.o.site,
        timezone: device.timezone,
        sink: this.o.sink,
        ...(this.o.csv ? { csv: this.o.csv } : {}),
      });
      const target = join(this.o.processedDir, `${stamp()}_${name}`);
      // the summary first: whoever sees the moved file finds its summary beside it
      await writeFile(`${target}.summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
      await rename(path, target);
      const { rejected, ...counts } = summary;
      log.info({ ...counts, first_rejected: rejected.slice(0, 5), moved_to: target }, 'USB export imported');
      this.o.onImported?.(summary);
    } catch (err) {
      const target = join(this.o.failedDir, `${stamp()}_${name}`);
      log.error({ err, file: name, moved_to: target }, 'USB export not imported');
      await writeFile(`${target}.error.txt`, `${(err as Error).message}\n`).catch(() => {});
      await rename(path, target).catch(() => {});
    }
  }
}
