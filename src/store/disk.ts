import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../../protocol/errors.js';

export interface DiskUsage {
  /** Bytes the store's files take. */
  storeBytes: number;
  /** Bytes free for us on the store's filesystem. */
  freeBytes: number;
  totalBytes: number;
}

export async function diskUsage(dir: string): Promise<DiskUsage> {
  const fs = await statfs(dir);
  let storeBytes = 0;
  for (const name of await readdir(dir)) storeBytes += await sizeOf(join(dir, name));
  return { storeBytes, freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
}

/**
 * Whether the filesystem has room for LevelDB to open again: opening replays its logs into a table (at most
 * their size, tables being compressed) and starts a new log and manifest, which `headroomBytes` is for.
 */
export async function roomToReopen(dir: string, headroomBytes: number): Promise<boolean> {
  const fs = await statfs(dir);
  let logs = 0;
  for (const name of await readdir(dir)) if (name.endsWith('.log')) logs += await sizeOf(join(dir, name));
  return fs.bavail * fs.bsize >= logs + headroomBytes;
}

/** A table LevelDB compacts away between the listing and its stat takes no space any more. */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Raised inside StoreError when new punches would leave less free space than the configured floor. */
export class DiskFullError extends GatewayError {
  constructor(
    readonly freeBytes: number,
    readonly floorBytes: number,
  ) {
    super(
      'X05_DISK_FULL',
      `only ${Math.floor(freeBytes / 1048576)} MiB free, below the ${Math.floor(floorBytes / 1048576)} MiB floor`,
    );
  }
}

/**
 * Refuses new work before LevelDB runs out of space: a write that fails half-way through compaction can
 * leave a store that needs repair, while a refused pull just leaves the punches on the terminal.
 */
export class DiskGuard {
  private checkedAt = 0;
  private free = Number.POSITIVE_INFINITY;

  constructor(
    private readonly dir: string,
    readonly floorBytes: number,
  ) {}

  async check(): Promise<void> {
    if (this.floorBytes <= 0) return;
    const now = Date.now();
    if (now - this.checkedAt > 1000) {
      const fs = await statfs(this.dir);
      this.free = fs.bavail * fs.bsize;
      this.checkedAt = now;
    }
    if (this.free < this.floorBytes) throw new DiskFullError(this.free, this.floorBytes);
  }
}
