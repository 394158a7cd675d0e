import { readFileSync } from 'node:fs';

/** How a deployment starts the CLI: node's own flags (before the script), the script, and the environment. */
export interface NodeRuntime {
  nodeArgs: string[];
  script: string;
  env: Record<string, string>;
}

/** Splits a node command line (without the program) at its script: flags before it, the script itself. */
function splitAtScript(words: string[], where: string): Pick<NodeRuntime, 'nodeArgs' | 'script'> {
  const at = words.findIndex((w) => w.endsWith('.js'));
  if (at < 0) throw new Error(`${where}: no .js script on the node command line ${words.join(' ')}`);
  return { nodeArgs: words.slice(0, at), script: words[at]! };
}

const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/**
 * The Docker image's runtime: its last stage's `ENV KEY=value` lines, its `ENTRYPOINT ["node", …]`, and the
 * CLI command its `CMD [...]` gives when `docker run` names none.
 */
export function imageRuntime(dockerfilePath: string): NodeRuntime & { command: string[] } {
  const dockerfile = readFileSync(dockerfilePath, 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, key, value] of lastStage.matchAll(/^ENV (\w+)=(.*)$/gm)) env[key!] = unquote(value!);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(lastStage)?.[1];
  if (!entrypoint) throw new Error(`${dockerfilePath}: no ENTRYPOINT in exec form`);
  const [program, ...words] = JSON.parse(entrypoint) as string[];
  if (program !== 'node') throw new Error(`${dockerfilePath}: ENTRYPOINT runs ${program}, not node`);
  const cmd = /^CMD (\[.*\])$/m.exec(lastStage)?.[1];
  if (!cmd) throw new Error(`${dockerfilePath}: no CMD in exec form`);
  return { ...splitAtScript(words, dockerfilePath), env, command: JSON.parse(cmd) as string[] };
}

/** A systemd unit's runtime: its `Environment=` entries and the node command line of its `ExecStart=`. */
export function unitRuntime(unitPath: string): NodeRuntime & { program: string; args: string[] } {
  const unit = readFileSync(unitPath, 'utf8');
  const env: Record<string, string> = {};
  for (const [, key, value] of unit.matchAll(/^Environment=(\w+)=(.*)$/gm)) env[key!] = unquote(value!);
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (!exec) throw new Error(`${unitPath}: no ExecStart`);
  const [program, ...words] = exec.split(' ');
  const { nodeArgs, script } = splitAtScript(words, unitPath);
  return { program: program!, nodeArgs, script, env, args: words.slice(nodeArgs.length + 1) };
}
