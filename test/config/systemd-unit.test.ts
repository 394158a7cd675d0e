/**
 * The shipped systemd unit (config/x05-gateway.service) against what it points at: the built CLI's path,
 * the exit code that means "bad config", and systemd's own parser. Its node flags and environment are
 * run and compared with the Docker image's in runtime-settings.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { EXIT_USAGE } from '../../src/cli/exit-codes.js';
import { runCli } from '../helpers/cli.js';
import { unitRuntime } from '../helpers/node-runtime.js';
import { repoRoot as root } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const unitText = readFileSync(join(root, 'config/x05-gateway.service'), 'utf8');

/** Every `Key=value` of the unit's [Service] section, in order (a key may repeat, as Environment does). */
function serviceEntries(): Array<[string, string]> {
  const section = unitText.split(/^\[/m).find((s) => s.startsWith('Service]')) ?? '';
  return section
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}
const service = (key: string) =>
  serviceEntries()
    .filter(([k]) => k === key)
    .map(([, v]) => v);

t.test('ExecStart runs the CLI that `npm run build` writes, as the gateway command', async (t) => {
  const exec = unitRuntime(join(root, 'config/x05-gateway.service'));
  t.equal(exec.program, '/usr/bin/node');
  const [command, ...args] = exec.args;
  t.equal(command, 'gateway');
  t.same(args, ['--config', '/etc/x05-gateway/site.yaml']);
  // tsconfig.json: rootDir ".", outDir "dist" — dist/src/cli/main.js is src/cli/main.ts compiled
  const tsconfig = readFileSync(join(root, 'tsconfig.json'), 'utf8');
  t.match(tsconfig, /"outDir": "dist"/);
  t.match(tsconfig, /"rootDir": "\."/);
  t.equal(exec.script, 'dist/src/cli/main.js');
  t.ok(existsSync(join(root, 'src/cli/main.ts')), 'its source exists');
  t.equal(service('WorkingDirectory')[0], '/opt/x05-gateway');
});

t.test('the store folder is the example config data_dir, and writable under ProtectSystem', async (t) => {
  const example = readFileSync(join(root, 'config/site.example.yaml'), 'utf8');
  const dataDir = /^data_dir: (\S+)/m.exec(example)?.[1];
  t.equal(dataDir, '/var/lib/x05-gateway');
  t.equal(`/var/lib/${service('StateDirectory')[0]}`, dataDir);
  t.ok(service('ReadWritePaths').includes(dataDir!));
});

t.test('a bad config is not restarted in a loop: its exit code is the one the unit excludes', async (t) => {
  t.same(service('RestartPreventExitStatus'), [String(EXIT_USAGE)]);
  const r = await runCli(['gateway', '--config', join(tempDir(t), 'missing.yaml')]);
  t.equal(r.code, EXIT_USAGE, r.output);
  t.same(service('Restart'), ['always'], 'any other exit (a crash, a kill) is restarted');
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
t.test(
  'systemd-analyze verify finds nothing to say about the unit',
  { skip: !analyze && 'no systemd-analyze' },
  async (t) => {
    // verify wants a file named like a unit; it warns on stderr (exit 0) for unknown keys and bad values
    const file = join(tempDir(t), 'x05-gateway.service');
    copyFileSync(join(root, 'config/x05-gateway.service'), file);
    const out = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    const aboutUnit = `${out.stdout}${out.stderr}`.split('\n').filter((l) => l.includes('x05-gateway'));
    t.same(aboutUnit, []);
    t.equal(out.status, 0);
    // the check itself can fail: a misspelt key is reported
    const bad = join(tempDir(t), 'x05-bad.service');
    writeFileSync(bad, unitText.replace(/^Restart=always$/m, 'Restart=alwayz'));
    const badOut = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
    t.match(`${badOut.stdout}${badOut.stderr}`, /restart specifier/);
  },
);

t.test('the forwarder unit runs the built CLI as the forwarder, with the optimiser on', async (t) => {
  const path = join(root, 'config/x05-forwarder.service');
  const exec = unitRuntime(path);
  t.equal(exec.program, '/usr/bin/node');
  t.equal(exec.script, 'dist/src/cli/main.js', 'the same build as the gateway');
  t.same(exec.args, ['forwarder', '--config', '/etc/x05-gateway/cloud.yaml']);
  t.same(exec.nodeArgs, [], 'no V8 flags: no --no-opt, no heap caps on a cloud VM');
  const text = readFileSync(path, 'utf8');
  t.match(text, new RegExp(`^RestartPreventExitStatus=${EXIT_USAGE}$`, 'm'), 'a bad config is not restarted');
  t.match(text, /^Restart=always$/m);
  if (!analyze) return;
  const file = join(tempDir(t), 'x05-forwarder.service');
  copyFileSync(path, file);
  const out = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  t.same(
    `${out.stdout}${out.stderr}`.split('\n').filter((l) => l.includes('x05-forwarder')),
    [],
    'systemd-analyze verify finds nothing to say',
  );
});
