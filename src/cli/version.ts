import { readFileSync } from 'node:fs';

/**
 * The version in package.json. This file runs from src/cli under tsx and from dist/src/cli once built, so
 * the package root is two or three folders up.
 */
export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as Record<string, unknown>;
      if (pkg.name === 'x05-gateway' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there from this layout: the other one is
    }
  }
  return 'unknown';
}
