import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const recorder = repoPath('test/helpers/module-log/register.mjs');

/**
 * What a short command's start must not load: the broker client, the store, the logger, the config
 * validation, metrics and everything a running command needs. Each costs tens of ms at start.
 */
const HEAVY = /\/node_modules\/(mqtt|aedes|level|classic-level|pino|pino-pretty|zod|yaml|prom-client)\//;

/** The CLI run with `args`, every module it loaded recorded: exit code and the URLs. */
async function modulesLoadedBy(t: Test, args: string[]): Promise<{ code: number | null; urls: string[] }> {
  const log = join(tempDir(t), 'modules.txt');
  const r = await runCli(args, { X05_TEST_MODULE_LOG: log }, ['--import', recorder]);
  const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { code: r.code, urls };
}

const heavyIn = (urls: string[]) => [
  ...new Set(urls.filter((u) => HEAVY.test(u)).map((u) => HEAVY.exec(u)![1])),
];

for (const args of [['--version'], ['--help'], ['status', '--help'], ['pull', '--help']]) {
  t.test(`${args.join(' ')} loads the command table only`, async (t) => {
    const { code, urls } = await modulesLoadedBy(t, args);
    t.equal(code, 0);
    // the recorder saw the CLI start (an empty record would pass the check below by itself)
    t.ok(
      urls.some((u) => /\/src\/cli\/main\.(ts|js)$/.test(u)),
      'the CLI entry is in the record',
    );
    t.same(heavyIn(urls), [], 'no broker, store, logger, config or metrics module');
    t.same(
      urls.filter((u) => /\/src\/(device|store|publish|forwarder|frappe|push|sim|ops\/(?!signals))/.test(u)),
      [],
      "no stage's code",
    );
  });
}

t.test(
  'a command that runs loads what it needs: the record sees the modules the checks above exclude',
  async (t) => {
    // asks a port nothing listens on: the logger and the ops client (config loading with it) load, then it fails
    const { code, urls } = await modulesLoadedBy(t, ['status', '--url', 'http://127.0.0.1:1']);
    t.equal(code, 1);
    t.same(heavyIn(urls).sort(), ['pino', 'yaml', 'zod']);
  },
);

t.test(
  'a pull makes PunchEvents without loading the payload schema, the config loader or the broker',
  async (t) => {
    const { startSimulator } = await import('../../src/sim/index.js');
    const { pino } = await import('pino');
    const sim = await startSimulator({ records: 50, serial: 'MODS-1', logger: pino({ level: 'silent' }) });
    t.teardown(() => sim.stop());
    const out = join(tempDir(t), 'punches.jsonl');
    const { code, urls } = await modulesLoadedBy(t, [
      'pull',
      '--host',
      sim.host,
      '--port',
      String(sim.port),
      '--out',
      out,
    ]);
    t.equal(code, 0);
    t.equal(readFileSync(out, 'utf8').trim().split('\n').length, 50, 'the punches were written');
    t.same(heavyIn(urls).sort(), ['pino'], 'only the logger among the heavy modules');
  },
);
