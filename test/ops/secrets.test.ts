import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { redactUrl } from '../../src/ops/log.js';
import { PunchStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { capturingLogger } from '../helpers/loggers.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

t.test('redactUrl: user passwords and secret query values', async (t) => {
  t.equal(
    redactUrl('mqtts://site1:pw@broker.example.com:8883'),
    'mqtts://site1:[redacted]@broker.example.com:8883',
  );
  t.equal(redactUrl('mqtt://broker:1883'), 'mqtt://broker:1883', 'nothing to hide');
  t.equal(redactUrl('mqtt://user@broker:1883'), 'mqtt://user@broker:1883', 'a user without a password');
  t.equal(
    redactUrl('/iclock/cdata?SN=X1&options=all&pushcommkey=abc123&language=69'),
    '/iclock/cdata?SN=X1&options=all&pushcommkey=[redacted]&language=69',
  );
  t.equal(
    redactUrl('/x?PushCommKey=a&token=b&api_secret=c'),
    '/x?PushCommKey=[redacted]&token=[redacted]&api_secret=[redacted]',
  );
  t.equal(redactUrl('/iclock/getrequest?SN=X1'), '/iclock/getrequest?SN=X1');
  t.equal(redactUrl('not a url'), 'not a url');
});

t.test('a broker password and a push comm key appear in no log line, status or page', async (t) => {
  const PASSWORD = 'br0ker-s3cret';
  const KEY = 'push-k3y-secret';
  const broker = await Mosquitto.start({ users: { site1: PASSWORD } });
  t.teardown(() => broker.close());
  const port = new URL(broker.url).port;
  const pushPort = await freePort();
  const opsPort = await freePort();
  const { logger, lines } = capturingLogger();
  const gw = await startGateway(
    SiteConfigSchema.parse({
      site: 'secrets',
      data_dir: tempDir(t),
      broker: { url: `mqtt://site1:${PASSWORD}@127.0.0.1:${port}` },
      push: {
        host: '127.0.0.1',
        port: pushPort,
        devices: [{ serial: 'SEC-1', timezone: 'UTC', token: KEY }],
      },
      ops: { listen: `127.0.0.1:${opsPort}` },
    }),
    logger,
  );
  t.teardown(() => gw.stop());
  // a handshake with a wrong key (what a probe would send), and one carrying the right key in its URL
  for (const key of ['wrong-key', KEY]) {
    await fetch(`http://127.0.0.1:${pushPort}/iclock/cdata?SN=SEC-1&options=all&pushcommkey=${key}`).then(
      (r) => r.text(),
    );
  }
  await until('the refusal logged', () => lines.some((l) => l.msg === 'push request refused'), 5_000);
  const status = await (await fetch(`http://127.0.0.1:${opsPort}/status`)).text();
  const page = await (await fetch(`http://127.0.0.1:${opsPort}/`)).text();
  t.match(JSON.parse(status).broker, { url: `mqtt://site1:[redacted]@127.0.0.1:${port}`, connected: true });
  const everything = [JSON.stringify(lines), status, page].join('\n');
  t.notMatch(everything, PASSWORD, 'the broker password nowhere');
  t.notMatch(everything, KEY, 'the push comm key nowhere');
  t.match(
    lines.find((l) => l.msg === 'push request refused'),
    { path: /pushcommkey=\[redacted\]/ },
  );
});

t.test('the data dir is 0700 and its files 0600, whatever umask started the process', async (t) => {
  const prev = process.umask(0o022);
  t.teardown(() => process.umask(prev));
  const dataDir = join(tempDir(t), 'store');
  const fixture = repoPath('test/fixtures/usb/1_attlog.dat');
  const r = await runCli([
    'import',
    fixture,
    '--device',
    'X05-0001',
    '--timezone',
    'UTC',
    '--data-dir',
    dataDir,
  ]);
  t.equal(r.code, 0, r.output);
  const mode = (p: string) => statSync(p).mode & 0o777;
  t.equal(mode(dataDir), 0o700, 'the directory');
  const files = readdirSync(dataDir);
  t.ok(files.length > 3, files.join(', '));
  t.same(
    files.filter((f) => mode(join(dataDir, f)) !== 0o600),
    [],
    'every LevelDB file 0600',
  );
  // a store left world-readable by an older version is made private when opened (with the CLI's umask)
  chmodSync(dataDir, 0o755);
  for (const f of files) chmodSync(join(dataDir, f), 0o644);
  process.umask(0o077);
  const store = await PunchStore.open(dataDir);
  await store.close();
  t.equal(mode(dataDir), 0o700);
  t.same(
    readdirSync(dataDir).filter((f) => mode(join(dataDir, f)) !== 0o600),
    [],
  );
});
