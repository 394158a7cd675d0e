import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * `node …argv` as a child process, everything it prints gathered in `output()`. `withoutNodeOptions`: the
 * test runner puts its own NODE_OPTIONS into every child it spawns, whatever `env` says, so `env -u`
 * removes it after the spawn, for a process started as a deployment starts it.
 */
export function spawnNode(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; withoutNodeOptions?: boolean } = {},
): ChildProcess & { output: () => string } {
  const [program, args] = opts.withoutNodeOptions
    ? ['env', ['-u', 'NODE_OPTIONS', process.execPath, ...argv]]
    : [process.execPath, argv];
  const child = spawn(program, args, {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return Object.assign(child, { output: () => out });
}

/**
 * The real `x05-gateway` command as a child process (TypeScript run through tsx, as `npm start` does);
 * `nodeArgs` are node's own flags, as a deployment's command line puts them before the script.
 */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): ChildProcess & { output: () => string } {
  return spawnNode([...nodeArgs, '--import', 'tsx', main, ...args], { env });
}

/** Runs the command to its end: exit code and everything it printed. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<{ code: number | null; output: string }> {
  const child = spawnCli(args, env, nodeArgs);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output: child.output() };
}

/** Resolves when the process has printed a line matching `re` (pino JSON lines included). */
export async function waitForOutput(
  child: ReturnType<typeof spawnCli>,
  re: RegExp,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(child.output())) {
    if (hasExited(child))
      throw new Error(
        `process exited (${child.exitCode ?? child.signalCode}) before ${re}: ${child.output().slice(-2000)}`,
      );
    if (Date.now() > deadline)
      throw new Error(`no ${re} within ${timeoutMs} ms: ${child.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A process ended by a signal keeps `exitCode` null (its `signalCode` says which): checking `exitCode` alone
 * would wait for an 'exit' that has already been emitted.
 */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals the process and resolves with its exit code once it is gone (null: a signal ended it). */
export async function stopCli(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (hasExited(child)) return child.exitCode;
  child.kill(signal);
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}
