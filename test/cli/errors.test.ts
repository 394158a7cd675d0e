/** How the CLI tells a person it failed: `error: …` and `hint: …`, the code, never a JSON line with a stack. */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli, runCliOnTty } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The two lines a failing command prints, and nothing else of length. */
function errorAndHint(t: Test, output: string, code: string): void {
  const lines = output.trimEnd().split('\n');
  const error = lines.find((l) => l.startsWith('error: '));
  t.ok(error?.endsWith(` [${code}]`), `one error line ending in its code: ${output}`);
  t.ok(
    lines.some((l) => /^hint: \S/.test(l)),
    'a hint line',
  );
  t.notMatch(output, /"level":|\n\s+at /, 'no pino JSON, no stack');
  t.ok(
    lines.every((l) => l.length < 300),
    'every line short',
  );
}

t.test('--version is the version of package.json', async (t) => {
  const { version } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));
  const r = await runCli(['--version']);
  t.equal(r.code, 0);
  t.equal(r.stdout.trim(), version);
});

t.test('status with no gateway running: exit 1, what failed and what to do', async (t) => {
  const r = await runCli(['status', '--url', `http://127.0.0.1:${await freePort()}`]);
  t.equal(r.code, 1);
  errorAndHint(t, r.output, 'X05_OPS');
  t.match(r.output, /hint: start the gateway/);
});

t.test(
  "status --config answered by another site's gateway at its ops.listen: exit 1, naming both sites",
  async (t) => {
    // a second gateway on the host holds the address; this site's own endpoint could not bind
    const other = createServer((req, res) => {
      const text = req.url?.includes('format=text');
      res.writeHead(200, { 'content-type': text ? 'text/plain' : 'application/json' });
      res.end(text ? 'site backlog at 2026-01-01T00:00:00Z\n' : JSON.stringify({ site: 'backlog' }));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.teardown(() => other.close());
    const config = join(tempDir(t), 'site.yaml');
    const listen = `127.0.0.1:${(other.address() as AddressInfo).port}`;
    writeFileSync(
      config,
      `site: hq\ndata_dir: /tmp/x\nbroker: { url: mqtt://127.0.0.1:1 }\nops: { listen: ${listen} }\n`,
    );
    const r = await runCli(['status', '--config', config]);
    t.equal(r.code, 1);
    errorAndHint(t, r.output, 'X05_OPS');
    t.match(r.output, /the gateway there is site backlog, .*site\.yaml is site hq/);
    t.notMatch(r.output, /^site backlog/m, "the other site's status is not passed off as this one");
    // named by --url, whatever answers is what was asked for
    t.equal((await runCli(['status', '--url', `http://${listen}`])).code, 0);
  },
);

t.test('a typo in a config: exit 2 naming the key, the hint says where keys are explained', async (t) => {
  const config = join(tempDir(t), 'site.yaml');
  writeFileSync(
    config,
    'site: hq\ndata_dir: /tmp/x\nbroker: { url: mqtt://127.0.0.1:1 }\ndevices: []\ndevises: []\n',
  );
  const r = await runCli(['status', '--config', config]);
  t.equal(r.code, 2);
  errorAndHint(t, r.output, 'X05_CONFIG');
  t.match(r.output, /error: .*site\.yaml: devises: /);
  t.match(r.output, /hint: fix devises in .*site\.example\.yaml/);
});

t.test('a missing file: bad usage, its errno and a hint to check the path', async (t) => {
  const r = await runCli(['replay', join(tempDir(t), 'no-such.pcap')]);
  t.equal(r.code, 2);
  errorAndHint(t, r.output, 'X05_USAGE');
  t.match(r.output, /^error: cannot read capture .*no-such\.pcap \(ENOENT\)/m);
  t.match(r.output, /^hint: check the path/m);
});

t.test('a daemon whose stderr is a pipe (journald, a container) fails in pino JSON', async (t) => {
  const r = await runCli(['gateway', '--config', join(tempDir(t), 'missing.yaml')]);
  t.equal(r.code, 2);
  t.match(r.output, /"level":50.*"code":"X05_CONFIG"/);
  t.notMatch(r.output, /^error: /m);
});

t.test('on a terminal, the daemon fails in one human line too, and logs read as text', async (t) => {
  const r = await runCliOnTty(['gateway', '--config', join(tempDir(t), 'missing.yaml')]);
  t.equal(r.code, 2, r.output);
  errorAndHint(t, r.output, 'X05_CONFIG');
  const dir = tempDir(t);
  const file = join(dir, '1_attlog.dat');
  writeFileSync(file, '1001\t2026-03-02 08:59:58\t1\t0\t1\t0\n');
  const imported = await runCliOnTty([
    'import',
    file,
    '--device',
    'X05-TTY',
    '--data-dir',
    join(dir, 'store'),
  ]);
  t.equal(imported.code, 0, imported.output);
  t.match(imported.output, /WARN.*no --timezone: using this host zone/, 'pino-pretty on a terminal');
  t.notMatch(imported.output, /"level":/);
});
