import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root, wherever this module runs from: the test sources under `test/`, or their compiled
 * copy under `build/test/` that `npm test` runs. Fixtures, docs and configs are found from here, never
 * relative to the running file, which would miss them in the compiled copy.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot();

/** A path inside the repository, from its root: `repoPath('test/fixtures/usb')`. */
export const repoPath = (...parts: string[]): string => join(repoRoot, ...parts);
