/**
 * The two ways a site runs the gateway — the Docker image and the systemd unit — start node with small-board
 * memory settings. These tests start node exactly as each deployment does (its flags before the script, its
 * environment) and check that the CLI runs and the heap limit took effect: Node refuses some V8 flags in
 * NODE_OPTIONS and exits at once, which a test that only compared the two files' text did not notice.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { imageRuntime, type NodeRuntime, unitRuntime } from '../helpers/node-runtime.js';
import { repoRoot as root } from '../helpers/repo.js';

const image = imageRuntime(join(root, 'Dockerfile'));
const unit = unitRuntime(join(root, 'config/x05-gateway.service'));

/** V8's heap limit, MB, in a node started with `runtime`'s flags and environment. */
function heapLimitMb(runtime: NodeRuntime): number {
  const probe = "console.log(require('node:v8').getHeapStatistics().heap_size_limit)";
  const out = spawnSync(process.execPath, [...runtime.nodeArgs, '-e', probe], {
    env: { ...process.env, ...runtime.env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node ${runtime.nodeArgs.join(' ')} failed: ${out.stderr}`);
  return Number(out.stdout) / 1024 / 1024;
}

for (const [name, runtime] of [
  ['the Docker image', image],
  ['the systemd unit', unit],
] as const) {
  t.test(`${name}: node starts the CLI with its flags and environment`, async (t) => {
    t.equal(runtime.script, 'dist/src/cli/main.js', 'the CLI that `npm run build` writes');
    const r = await runCli(['--help'], runtime.env, runtime.nodeArgs);
    t.equal(r.code, 0, r.output);
    t.match(r.output, /Usage: x05-gateway/);
  });

  t.test(`${name}: the old generation is held to 512 MB whatever the host's memory`, async (t) => {
    t.ok(runtime.nodeArgs.includes('--max-old-space-size=512'), runtime.nodeArgs.join(' '));
    // heap_size_limit is the old generation's limit plus the young generation's (3 semi-spaces of 1 MB)
    const limit = heapLimitMb(runtime);
    t.ok(limit >= 512 && limit < 520, `heap limit ${limit} MB`);
    t.equal(runtime.env.MALLOC_ARENA_MAX, '2');
  });
}

t.test('the unit runs node with the image memory settings, not a copy that drifted', async (t) => {
  t.same(unit.nodeArgs, image.nodeArgs);
  t.equal(unit.env.MALLOC_ARENA_MAX, image.env.MALLOC_ARENA_MAX);
  t.equal(unit.env.NODE_ENV, image.env.NODE_ENV);
});

/**
 * V8's status bits for a function (%GetOptimizationStatus, V8 11 as in Node 20): bit 4 is "optimised".
 * With --no-opt, --jitless or --lite-mode the function stays interpreted, and the bit stays clear.
 */
function optimises(runtime: NodeRuntime): boolean {
  const probe = [
    'function f(a) { return a + 1 }',
    '%PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3);',
    'console.log(%GetOptimizationStatus(f))',
  ].join('\n');
  const out = spawnSync(process.execPath, [...runtime.nodeArgs, '--allow-natives-syntax', '-e', probe], {
    env: { ...process.env, ...runtime.env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node ${runtime.nodeArgs.join(' ')} failed: ${out.stderr}`);
  return (Number(out.stdout) & 0b1_0000) !== 0;
}

t.test("V8's optimising compiler runs under both deployments' flags", async (t) => {
  // the probe itself can fail: with --no-opt the same function is never optimised
  t.notOk(optimises({ nodeArgs: ['--no-opt'], script: '', env: {} }), 'the probe sees --no-opt');
  t.ok(optimises(image), `the image: ${image.nodeArgs.join(' ')}`);
  t.ok(optimises(unit), `the unit: ${unit.nodeArgs.join(' ')}`);
});

t.test("the image's default command is the unit's: the gateway with the site config mounted", async (t) => {
  t.same(image.command, ['gateway', '--config', '/etc/x05-gateway/site.yaml']);
  t.same(image.command, unit.args);
  // `docker run … demo` names the demo instead: still a command of the CLI the image starts
  const r = await runCli(['demo', '--help'], image.env, image.nodeArgs);
  t.equal(r.code, 0, r.output);
});
