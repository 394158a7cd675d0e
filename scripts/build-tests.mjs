// `npm run build:tests`: every test file as one ES module under build/, with what it imports (our sources,
// tap, most packages) bundled in, and what several of them share split into chunks. tap loads each test
// file in its own node process, with a loader hook that sees every module the process loads; a test that
// loads ~400 modules one by one spends about half a second of CPU there before its first test, and tsx's
// hooks added as much again (docs/testing.md). Types are checked by `npm run typecheck`, not here.
//
// `node scripts/build-tests.mjs [outDir]`, outDir `build` by default.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, process.argv[2] ?? 'build');
const testFiles = readdirSync(join(root, 'test'), { recursive: true })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join(root, 'test', f));

rmSync(outDir, { recursive: true, force: true });
await build({
  entryPoints: testFiles,
  outdir: outDir,
  outbase: root,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // left where npm put them: classic-level is native and finds its binary from its own folder; pino starts
  // its transports from their files in a worker thread; playwright-core and typescript read their own files at run time
  external: ['classic-level', 'pino', 'pino-pretty', 'playwright-core', 'typescript'],
  sourcemap: true,
  // bundled CommonJS packages require node's own modules; an ES module has no `require` to give them
  banner: {
    js: "import { createRequire as x05CreateRequire } from 'node:module'; const require = x05CreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
