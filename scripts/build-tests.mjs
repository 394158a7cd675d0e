// `npm run build:tests`: the test files bundled by esbuild into build/test/, what they import (our sources,
// tap, most packages) bundled in and what several share split into chunks. tap runs each file it is given
// in a node process of its own, with a loader hook that sees every module the process loads: a test file
// that loaded ~400 modules one by one spent about half a second of CPU there before its first test (and
// tsx's hooks as much again), and even bundled, a process per small file cost about a second of CPU.
//
// So the files of a folder run in one process, `build/test/<folder>.test.js`, one after another, as a
// folder of small unit tests would in one file. A file runs in a process of its own when it touches what
// the process shares (root hooks, signal handlers, the environment, the working directory), and so do the
// end-to-end and durability files: each is long, and they run best beside the rest. Types are checked by
// `npm run typecheck`, not here.
//
// `node scripts/build-tests.mjs [outDir]`, outDir `build` by default.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { nodeBundle } from './esbuild-node.mjs';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, process.argv[2] ?? 'build');
const OWN_PROCESS_FOLDERS = new Set(['e2e', 'durability']);
const TOUCHES_THE_PROCESS =
  /\bt\.before\(|process\.env\.\w+\s*=[^=]|delete process\.env|process\.on\(|process\.chdir|process\.umask/;

const testFiles = readdirSync(join(root, 'test'), { recursive: true })
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const alone = [];
const folders = new Map();
for (const file of testFiles) {
  const [folder, ...rest] = file.split('/');
  const ownProcess =
    rest.length === 0 ||
    OWN_PROCESS_FOLDERS.has(folder) ||
    TOUCHES_THE_PROCESS.test(readFileSync(join(root, 'test', file), 'utf8'));
  if (ownProcess) alone.push(join(root, 'test', file));
  else folders.set(folder, [...(folders.get(folder) ?? []), join(root, 'test', file)]);
}

/** `folder:<name>`: a module that imports the folder's files in order, so their tests run in one process. */
const folderEntries = {
  name: 'folder-entries',
  setup(b) {
    b.onResolve({ filter: /^folder:/ }, (args) => ({ path: args.path.slice(7), namespace: 'folder' }));
    b.onLoad({ filter: /.*/, namespace: 'folder' }, (args) => ({
      contents: folders
        .get(args.path)
        .map((f) => `import ${JSON.stringify(f)};`)
        .join('\n'),
      resolveDir: join(root, 'test', args.path),
      loader: 'ts',
    }));
  },
};

rmSync(outDir, { recursive: true, force: true });
await build({
  ...nodeBundle,
  entryPoints: [
    ...alone.map((f) => ({ in: f, out: f.slice(root.length).replace(/\.ts$/, '') })),
    ...[...folders.keys()].map((folder) => ({ in: `folder:${folder}`, out: `test/${folder}.test` })),
  ],
  outdir: outDir,
  plugins: [folderEntries],
  // left where npm put them: classic-level is native and finds its binary from its own folder; pino starts
  // its transports from their files in a worker thread; playwright-core and typescript read their own
  // files at run time
  external: ['classic-level', 'pino', 'pino-pretty', 'playwright-core', 'typescript'],
});
