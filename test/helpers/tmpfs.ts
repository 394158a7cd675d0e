import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test's `skip` when it cannot mount its own small filesystem; false when it can (CI runs as root). */
export const tmpfsSkip: string | false = process.getuid?.() === 0 ? false : 'needs root to mount a tmpfs';

/** A tmpfs of `size` (`mount`'s syntax: '8m') on a fresh directory, unmounted and removed when the test ends. */
export function tmpfsDir(t: { teardown(fn: () => unknown): void }, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'x05-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  t.teardown(() => {
    // lazy: a process of the test still holding a file there must not leave the mount behind
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Bytes free on the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

/**
 * Grows `file` (on the tmpfs of `dir`) until `leaveBytes` stay free, or the disk is full: a disk someone else
 * filled. In chunks, since a running gateway may be writing there too.
 */
export function fillDisk(file: string, dir: string, leaveBytes = 0): void {
  const fd = openSync(file, 'a');
  try {
    for (const size of [1 << 20, 4096]) {
      const chunk = Buffer.alloc(size);
      while (freeBytes(dir) - size >= leaveBytes) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
