// `npm run build`'s second step: the CLI as one ES module, dist/src/cli/main.js (what the bin, the image,
// the systemd units and the tests start), plus one chunk per command implementation it imports when that
// command runs. Node 20 resolves, reads and links each ES module on its own and parses every CommonJS file
// twice (once for its exports); one file for the command table makes `--version` and `--help` start in
// about two thirds of the time the ~20 files tsc writes took (docs/benchmarks.md).
//
// `node bundle-cli.mjs [outDir]`, outDir `dist` by default.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { nodeBundle } from './scripts/esbuild-node.mjs';

const outDir = join(process.argv[2] ?? 'dist', 'src/cli');
const { dependencies } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
// commander is inlined: the command table needs it at every start. Every other dependency stays where npm
// put it: classic-level is native, pino starts its transports (pino-pretty) from their files in a worker
// thread, and a dependency bundled here could no longer be updated or audited by npm on its own.
const external = Object.keys(dependencies).filter((d) => d !== 'commander');

rmSync(join(outDir, 'chunks'), { recursive: true, force: true });
await build({
  ...nodeBundle,
  entryPoints: [new URL('./src/cli/main.ts', import.meta.url).pathname],
  outdir: outDir,
  external,
});
