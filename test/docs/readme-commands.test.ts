/**
 * Every `x05-gateway …` command the README shows in a code block names a subcommand and options that the
 * CLI's own `--help` lists, so a reader who copies one is not met with "unknown option". Shell blocks
 * (```sh) are commands line by line; in other blocks only `$ ` lines are, the rest is output. Each
 * subcommand's help is asked once, from the real CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { repoRoot as root } from '../helpers/repo.js';

/** One `x05-gateway` invocation: where it is shown and its arguments after the program name. */
export interface ShownCommand {
  line: number;
  args: string[];
}

/** Splits on blanks, keeping quoted text whole (quotes dropped); enough for the README's commands. */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The `x05-gateway` commands in the markdown's code blocks. */
export function shownCommands(markdown: string): ShownCommand[] {
  const found: ShownCommand[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((raw, i) => {
    const open = raw.match(/^```(\w*)/);
    if (open) {
      fence = fence === undefined ? (open[1] ?? '') : undefined;
      return;
    }
    if (fence === undefined) return;
    const shell = ['sh', 'shell', 'bash', 'console'].includes(fence);
    if (!shell && !raw.startsWith('$ ')) return;
    const line = raw.replace(/^\$ /, '').replace(/(^|\s)#.*$/, '');
    for (const part of line.split(/&&|\|\||[|;]/)) {
      const w = words(part.trim());
      while (w.length > 0 && (w[0] === 'sudo' || /^[A-Z_][A-Z0-9_]*=/.test(w[0] ?? ''))) w.shift();
      if (w[0] === 'x05-gateway') found.push({ line: i + 1, args: w.slice(1) });
    }
  });
  return found;
}

/** What one `--help` offers: its options (long and short) and its own subcommands. */
export interface Help {
  options: Set<string>;
  commands: Set<string>;
}

export function parseHelp(text: string): Help {
  const options = new Set<string>();
  const commands = new Set<string>();
  let section = '';
  for (const line of text.split('\n')) {
    const head = line.match(/^(\w[\w ]*):\s*$/);
    if (head) {
      section = head[1] ?? '';
      continue;
    }
    if (section === 'Options')
      for (const m of line.matchAll(/^\s+(-\w)?(?:,\s*)?(--[\w-]+)?/g)) {
        if (m[1]) options.add(m[1]);
        if (m[2]) options.add(m[2]);
      }
    if (section === 'Commands') {
      const name = line.match(/^\s{2}([\w-]+)/)?.[1];
      if (name && name !== 'help') commands.add(name);
    }
  }
  return { options, commands };
}

/**
 * The subcommand path a command runs (`frappe setup`), then each option it uses that its help does not
 * list. `help` is asked for every path that is not known yet.
 */
export async function check(
  commands: ShownCommand[],
  help: (path: string[]) => Promise<Help>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { line, args } of commands) {
    const path: string[] = [];
    let offered = await help(path);
    let rest = args;
    while (rest[0] !== undefined && !rest[0].startsWith('-') && offered.commands.size > 0) {
      const sub = rest[0];
      if (!offered.commands.has(sub)) {
        problems.push(`README.md:${line}: x05-gateway ${[...path, sub].join(' ')}: no such command`);
        break;
      }
      path.push(sub);
      rest = rest.slice(1);
      offered = await help(path);
    }
    for (const word of rest) {
      if (!word.startsWith('-')) continue;
      const option = word.split('=')[0] ?? word;
      if (!offered.options.has(option))
        problems.push(`README.md:${line}: x05-gateway ${[...path, option].join(' ')}: not in its --help`);
    }
  }
  return problems;
}

const cache = new Map<string, Promise<Help>>();
/** `x05-gateway … --help` from the CLI itself, once per subcommand path. */
function cliHelp(path: string[]): Promise<Help> {
  const key = path.join(' ');
  let help = cache.get(key);
  if (!help) {
    help = runCli([...path, '--help']).then(({ code, stdout }) => {
      if (code !== 0) throw new Error(`x05-gateway ${key} --help exited ${code}`);
      return parseHelp(stdout);
    });
    cache.set(key, help);
  }
  return help;
}

t.test("every x05-gateway command in the README's code blocks is one its --help lists", async (t) => {
  const commands = shownCommands(readFileSync(join(root, 'README.md'), 'utf8'));
  t.ok(commands.length >= 6, `found ${commands.length} commands`);
  const subcommands = new Set(commands.map((c) => c.args.find((a) => !a.startsWith('-'))));
  t.ok(subcommands.size >= 4, `of ${subcommands.size} subcommands`);
  t.same(await check(commands, cliHelp), [], 'commands the CLI would refuse');
});

t.test('the check refuses a bogus option and an unknown subcommand', async (t) => {
  const shown = shownCommands(
    [
      '```sh',
      'sudo X05_A=1 x05-gateway status --config s.yaml --bogus   # a comment --not-an-option',
      'cd /opt && x05-gateway frappe setup --config=c.yaml | tee out',
      'x05-gateway frappe teardown',
      '```',
      '```',
      'x05-gateway demo: output, not a command --verbose',
      '$ x05-gateway --nonsense',
      '```',
    ].join('\n'),
  );
  t.same(
    shown.map((c) => c.args),
    [
      ['status', '--config', 's.yaml', '--bogus'],
      ['frappe', 'setup', '--config=c.yaml'],
      ['frappe', 'teardown'],
      ['--nonsense'],
    ],
  );
  t.same(await check(shown, cliHelp), [
    'README.md:2: x05-gateway status --bogus: not in its --help',
    'README.md:4: x05-gateway frappe teardown: no such command',
    'README.md:8: x05-gateway --nonsense: not in its --help',
  ]);
});
