import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { repoPath, repoRoot as root } from './repo.js';

const main = repoPath('src/cli/main.ts');
const built = repoPath('dist/src/cli/main.js');

/**
 * How a child runs the CLI. `npm test` runs the tests compiled to JavaScript, after building the CLI: a child
 * of a compiled test starts as a deployment starts it, without compiling TypeScript. A test file run by hand
 * through tsx starts the sources through tsx, never a stale build.
 */
const compiled = import.meta.url.endsWith('.js');
const cliEntry = (): string[] => (compiled ? [built] : ['--import', 'tsx', main]);

/**
 * `node …argv` as a child process, everything it prints gathered in `output()`. The test runner puts its
 * own NODE_OPTIONS (its process-tracking loader) into every child it spawns, whatever `env` says, so `env -u`
 * removes it after the spawn: the child starts as a deployment starts it, without that loader's cost.
 */
export function spawnNode(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess & { output: () => string; stdout: () => string } {
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, ...argv], {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return Object.assign(child, { output: () => out, stdout: () => stdout });
}

/**
 * The real `x05-gateway` command as a child process (built JavaScript or TypeScript, see cliEntry);
 * `nodeArgs` are node's own flags, as a deployment's command line puts them before the script.
 */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): ChildProcess & { output: () => string; stdout: () => string } {
  return spawnNode([...nodeArgs, ...cliEntry(), ...args], { env });
}

/** Runs the command to its end: exit code, everything it printed, and what of it went to stdout. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawnCli(args, env, nodeArgs);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output: child.output(), stdout: child.stdout() };
}

/**
 * The command with stdout and stderr on a terminal, as a person at a shell runs it: util-linux `script`
 * gives it a pseudo-terminal and copies what it printed (lines end in CRLF there).
 */
export async function runCliOnTty(args: string[]): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
  const line = [process.execPath, ...cliEntry(), ...args].map(quote).join(' ');
  const script = spawn('script', ['-qec', line, '/dev/null'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  script.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = (await once(script, 'exit')) as [number | null];
  return { code, output: out.replaceAll('\r\n', '\n') };
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
