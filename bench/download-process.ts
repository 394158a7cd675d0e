/**
 * A 100,000-punch download as whole processes, from spawn to exit, as a person at a shell sees it:
 * - `x05-gateway pull --host … --port … --out FILE`, the built CLI (`npm run build` first) started as the
 *   bin starts it: node's start, the CLI's, the session, decode, a PunchEvent per punch, the JSON lines
 *   written, exit;
 * - bench/bare-zk-reader.mjs: plain JavaScript that logs in, reads the attendance dataset chunk by chunk
 *   and drops its bytes; the least any client of the terminal must do, node's start included.
 * Both against the same simulator, taking turns, ROUNDS times; a figure is the median of its runs, and the
 * fastest run is given beside it. pyzk, the one peer that decodes every field right, is not installed here
 * (no PyPI): docs/benchmarks.md quotes its whole-process time measured elsewhere.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, figure } from './result.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const bareReader = fileURLToPath(new URL('./bare-zk-reader.mjs', import.meta.url));
const ROUNDS = Number(process.env.BENCH_PROCESS_ROUNDS ?? 7);

// GNU time, where there is one, also gives each process's CPU time (user + system): on a machine shared
// with other work the wall time waits for the CPU as well, its CPU time much less so
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_LINE = /^x05-cpu (\S+) (\S+)$/m;

/** `node …args` run to its end: wall seconds from spawn to exit, CPU seconds, and its stdout. */
async function timedProcess(args: string[]): Promise<{ seconds: number; cpu?: number; stdout: string }> {
  const t0 = performance.now();
  // no NODE_OPTIONS of whatever started the bench (tsx): each process starts as a shell starts it
  const { NODE_OPTIONS: _, ...env } = process.env;
  const [program, argv] = gnuTime
    ? [gnuTime, ['-f', 'x05-cpu %U %S', process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(program, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-800)}`);
  const cpu = CPU_LINE.exec(stderr);
  return { seconds, stdout, ...(cpu ? { cpu: Number(cpu[1]) + Number(cpu[2]) } : {}) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function wholeProcessFigures(port: number, punches: number): Promise<BenchResult[]> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-process-'));
  const out = join(dir, 'events.jsonl');
  const pull = [cli, 'pull', '--host', '127.0.0.1', '--port', String(port), '--out', out];
  const bare = [bareReader, '127.0.0.1', String(port)];
  const times = { pull: [] as number[], bare: [] as number[] };
  const cpu = { pull: [] as number[], bare: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const b = await timedProcess(bare);
      if (Number(b.stdout) !== 4 + 40 * punches) throw new Error(`bare reader: ${b.stdout.trim()} bytes`);
      times.bare.push(b.seconds);
      if (b.cpu !== undefined) cpu.bare.push(b.cpu);
      const p = await timedProcess(pull);
      const lines = readFileSync(out, 'latin1').split('\n').length - 1;
      if (lines !== punches) throw new Error(`pull wrote ${lines} of ${punches} punches`);
      // each round pulls to a new file: replacing the last round's 35 MB would add its deletion (17 ms here)
      rmSync(out);
      times.pull.push(p.seconds);
      if (p.cpu !== undefined) cpu.pull.push(p.cpu);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bareFig = {
    name: `download, whole process: bare ZK reader (login, buffered read, bytes dropped), ${punches} punches, median of ${ROUNDS}`,
    value: median(times.bare),
  };
  const pullName = `download, whole process: x05-gateway pull to a file, ${punches} punches, median of ${ROUNDS}`;
  const bareCpu = {
    name: `download, whole process: bare ZK reader, CPU time, median of ${ROUNDS}`,
    value: median(cpu.bare),
  };
  const cpuFigures =
    cpu.pull.length === ROUNDS && cpu.bare.length === ROUNDS
      ? [
          figure(bareCpu.name, bareCpu.value, 's'),
          figure(
            `download, whole process: x05-gateway pull, CPU time, median of ${ROUNDS}`,
            median(cpu.pull),
            's',
            bareCpu,
          ),
        ]
      : [];
  return [
    ...cpuFigures,
    figure(bareFig.name, bareFig.value, 's'),
    // ratio: pull's time over the bare reader's; the target is ≤ 6
    figure(pullName, median(times.pull), 's', bareFig),
    figure(`download, whole process: bare ZK reader, fastest of ${ROUNDS}`, Math.min(...times.bare), 's'),
    figure(`download, whole process: x05-gateway pull, fastest of ${ROUNDS}`, Math.min(...times.pull), 's', {
      name: `download, whole process: bare ZK reader, fastest of ${ROUNDS}`,
      value: Math.min(...times.bare),
    }),
  ];
}
