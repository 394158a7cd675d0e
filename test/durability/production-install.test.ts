/**
 * What the Docker image and the Raspberry Pi install run: `npm run build`'s output (tsc, then the bundled
 * CLI) with production dependencies only (`npm ci --omit=dev`), started as the image's ENTRYPOINT starts
 * it. A runtime import of a dev dependency, or a file the build does not write, fails here instead of on a
 * site.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { hasExited, spawnNode, stopCli, waitForOutput } from '../helpers/cli.js';
import { imageRuntime } from '../helpers/node-runtime.js';
import { repoRoot as root } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test(
  'the build with production dependencies only runs the demo end to end, started as the image does',
  async (t) => {
    const app = tempDir(t, 'x05-install-');
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [
      tsc,
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(app, 'dist'),
    ]);
    // `npm run build`'s second step: the CLI bundled over tsc's main.js
    execFileSync(process.execPath, [join(root, 'bundle-cli.mjs'), join(app, 'dist')]);
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(app, file));
    cpSync(join(root, 'config'), join(app, 'config'), { recursive: true });
    // the packages come from npm's cache, which the checkout's own `npm ci` has just filled
    execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      stdio: 'ignore',
    });
    t.ok(existsSync(join(app, 'node_modules/mqtt')), 'production dependencies are installed');
    t.notOk(existsSync(join(app, 'node_modules/typescript')), 'dev dependencies are not');
    t.notOk(existsSync(join(app, 'node_modules/tsx')), 'nor is the TypeScript loader the tests run under');

    const image = imageRuntime(join(root, 'Dockerfile'));
    const demo = spawnNode([...image.nodeArgs, image.script, 'demo'], {
      cwd: app,
      env: image.env,
    });
    t.teardown(() => stopCli(demo, 'SIGKILL'));
    await waitForOutput(demo, /done: [\d,]+ punches through every stage/, 60_000);
    t.match(
      demo.output(),
      /confirmed +2,000 confirmed back to the gateway/,
      'every stage, confirmation included',
    );
    const [code] = hasExited(demo) ? [demo.exitCode] : await once(demo, 'exit');
    t.equal(code, 0, 'the demo ends by itself, exit 0');
    t.notMatch(
      demo.output(),
      /"level":50|error:|Cannot find (module|package)/,
      'no error, no missing module',
    );
  },
);
