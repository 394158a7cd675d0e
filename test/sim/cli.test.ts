import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Command, encodeOptionRequest } from '../../protocol/zk/index.js';
import { runSimulateCommand } from '../../src/cli/simulate-command.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { tempDir } from '../helpers/temp-dir.js';
import { RawClient } from './raw-client.js';

t.test('simulate serves until SIGTERM, logging where it listens', async (t) => {
  const child = spawnCli(
    [
      'simulate',
      '--port',
      '0',
      '--records',
      '30',
      '--users',
      '4',
      '--serial',
      'CLI0001',
      '--seed',
      '9',
      '--record-size',
      '16',
    ],
    { X05_LOG_LEVEL: 'info' },
  );
  t.teardown(() => child.kill('SIGKILL'));
  // the simulator logs pino JSON lines
  const logLines = () =>
    child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitForOutput(child, /simulator listening/);
  const up = logLines().find((l) => l.port)!;
  t.match(up, { host: '127.0.0.1', serial: 'CLI0001', users: 4, records: 30, recordSize: 16 });
  t.match(up.msg, /^simulator listening on 127\.0\.0\.1:\d+$/);

  const c = await RawClient.connect(up.port as number, t);
  await c.connectSession();
  const serial = await c.request(Command.OPTIONS_RRQ, encodeOptionRequest('~SerialNumber'));
  t.equal(serial.data.toString('latin1'), '~SerialNumber=CLI0001\0');

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'exits cleanly');
  t.match(
    logLines().find((l) => l.msg === 'simulator stopped'),
    { signal: 'SIGTERM' },
  );
});

t.test('bad flags reject with X05_USAGE before anything listens', async (t) => {
  await t.rejects(runSimulateCommand({ recordSize: 12, logLevel: 'silent' }), {
    code: 'X05_USAGE',
    option: 'recordSize',
  });
});

t.test('simulate --udp --drop-every-nth-datagram: pull over UDP still gets every punch', async (t) => {
  const port = await freePort();
  const sim = spawnCli(
    ['simulate', '--udp', '--port', String(port), '--records', '3000', '--drop-every-nth-datagram', '40'],
    { X05_LOG_LEVEL: 'info' },
  );
  t.teardown(() => stopCli(sim, 'SIGKILL'));
  await waitForOutput(sim, /simulator listening/);
  const out = join(tempDir(t), 'events.jsonl');
  const pulled = await runCli([
    'pull',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--udp',
    '--timeout-ms',
    '300',
    '--out',
    out,
  ]);
  t.equal(pulled.code, 0, 'lost datagrams cost chunk re-requests, not the download');
  // a file, not stdout: the helper merges stdout and stderr, and a log line read between two pieces of a
  // large stdout write splits a JSON line there
  const events = readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string });
  t.equal(new Set(events.map((e) => e.id)).size, 3000);
});
