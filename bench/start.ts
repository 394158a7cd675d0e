/**
 * How long a short command takes as a whole process, spawn to exit: the built CLI (`npm run build` first,
 * dist/src/cli/main.js as the bin starts it) with `--version`, `--help` and `status --help`, against
 * `node -e 0`, node's own start, which no command can beat. The four take turns, RUNS times each; a
 * figure is the median, in ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchResult, figure } from './result.js';

const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const RUNS = Number(process.env.BENCH_START_RUNS ?? 21);

const commands: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  '--version': [cli, '--version'],
  '--help': [cli, '--help'],
  'status --help': [cli, 'status', '--help'],
};

export async function run(): Promise<BenchResult[]> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
  // no NODE_OPTIONS of whatever started the bench (tsx): each process starts as a shell starts it
  const { NODE_OPTIONS: _, ...env } = process.env;
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, args] of Object.entries(commands)) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
      ms[name]!.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const node = { name: 'start: node -e 0 (node alone)', value: median(ms['node -e 0']!) };
  return [
    figure(node.name, node.value, 'ms'),
    figure('CLI start (--version)', median(ms['--version']!), 'ms', node),
    figure('CLI start (--help)', median(ms['--help']!), 'ms', node),
    figure('CLI start (status --help)', median(ms['status --help']!), 'ms', node),
  ];
}
