/** A gateway whose broker is away: one line per change of state, attempts spaced out, back once it is. */
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';

const lines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; next_attempt_in_ms?: number });

t.test('a broker that is down is one warning and a few spaced attempts, not an error a second', async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  await broker.stop();
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'away',
    brokerUrl: broker.url,
    devices: [],
    // each attempt is a debug line
    extra: { log_level: 'debug' },
  });
  const gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  await waitForOutput(gw, /"msg":"broker unreachable; punches stay queued on disk"/);
  await sleep(8000);

  const away = lines(gw.output());
  t.equal(away.filter((l) => l.msg.startsWith('broker unreachable')).length, 1, 'said once');
  t.same(
    away.filter((l) => l.level >= 50),
    [],
    'nothing at error level',
  );
  const waits = away.filter((l) => l.msg === 'broker reconnect attempt').map((l) => l.next_attempt_in_ms!);
  // a fixed 1 s period made 8 attempts in these 8 s; doubling from 1 s makes 3 (at about 1, 3 and 7 s)
  t.ok(waits.length >= 2 && waits.length <= 4, `attempts in 8 s: ${waits.length}`);
  t.ok(
    waits.every((w, i) => i === 0 || w > waits[i - 1]!),
    `each wait longer than the last: ${waits}`,
  );

  await broker.start();
  await waitForOutput(gw, /"msg":"broker connected"/, 40_000);
  t.equal(lines(gw.output()).filter((l) => l.msg.startsWith('broker unreachable')).length, 1);
  t.equal(await stopCli(gw), 0);
});
