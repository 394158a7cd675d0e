import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { decodePunchEvent } from '../../src/payload/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { runCli, runCliOnTty } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test(
  'x05-gateway pull writes one valid PunchEvent per line, in log order, batch after batch',
  async (t) => {
    // 12,000 punches are three of the sync's 5,000-slot batches: the lines are written as each is made
    const sim = await startSimulator({
      records: 12_000,
      users: 50,
      serial: 'CLI-PULL',
      logger: pino({ level: 'silent' }),
    });
    t.teardown(() => sim.stop());
    const out = join(tempDir(t), 'events.jsonl');
    const r = await runCli([
      'pull',
      '--host',
      sim.host,
      '--port',
      String(sim.port),
      '--out',
      out,
      '--site',
      'hq',
      '--timezone',
      'UTC',
    ]);
    t.equal(r.code, 0, r.output);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    t.equal(lines.length, 12_000);
    const events = lines.map((l) => decodePunchEvent(l));
    t.same(
      events.map((e) => `${e.user_id}|${e.device_time}|${e.punch}`),
      sim.device.records.map((x) => `${x.userId}|${x.deviceTime}|${x.punch}`),
      'every punch once, in the order of the log',
    );
    t.ok(events.every((e) => e.device_id === 'CLI-PULL' && e.site === 'hq' && e.source === 'pull'));
    t.equal(
      new Set(events.map((e) => e.id)).size,
      new Set(sim.device.records.map((x) => `${x.userId}|${x.deviceTime}|${x.punch}`)).size,
    );
    t.match(r.output, /"events":12000.*"msg":"pull done"/);
  },
);

t.test(
  'pull: an --out that cannot be written is bad usage, found before the terminal is asked',
  async (t) => {
    // no terminal listens on this port: reaching it would be exit 1 (X05_CLOSED), not 2
    const r = await runCli([
      'pull',
      '--host',
      '127.0.0.1',
      '--port',
      String(await freePort()),
      '--out',
      join(tempDir(t), 'missing-dir', 'events.jsonl'),
    ]);
    t.equal(r.code, 2, r.output);
    t.match(r.output, /--out .*events\.jsonl: cannot write \(ENOENT\)/);
    t.notMatch(r.output, /X05_CLOSED/);
  },
);

t.test('exit codes: 2 for bad usage, 1 for an unreachable terminal', async (t) => {
  const usage = await runCli(['pull', '--host', '127.0.0.1', '--port', 'many']);
  t.equal(usage.code, 2, 'a port that is not a number is bad usage');
  t.match(usage.output, /port must be a whole number/);
  const missing = await runCli(['pull']);
  t.equal(missing.code, 2, 'a missing --host is bad usage');
  const down = await runCli([
    'pull',
    '--host',
    '127.0.0.1',
    '--port',
    String(await freePort()),
    '--timeout-ms',
    '1000',
  ]);
  t.equal(down.code, 1);
  t.match(down.output, /^error: .* \[X05_CLOSED\]$/m);
  const badConfig = await runCli(['gateway', '--config', '/nonexistent/site.yaml']);
  t.equal(badConfig.code, 2, 'an unreadable config is a config error');
  t.match(badConfig.output, /"code":"X05_CONFIG"/);
});

t.test('a failed pull --out leaves no file, and an earlier file of that name as it was', async (t) => {
  const dir = tempDir(t);
  const port = String(await freePort());
  const pull = (out: string) =>
    runCli(['pull', '--host', '127.0.0.1', '--port', port, '--timeout-ms', '1000', '--out', out]);
  const fresh = await pull(join(dir, 'events.jsonl'));
  t.equal(fresh.code, 1, fresh.output);
  t.notOk(existsSync(join(dir, 'events.jsonl')), 'no empty file');
  const earlier = join(dir, 'earlier.jsonl');
  writeFileSync(earlier, '{"kept":true}\n');
  t.equal((await pull(earlier)).code, 1);
  t.equal(readFileSync(earlier, 'utf8'), '{"kept":true}\n');
  t.same(readdirSync(dir), ['earlier.jsonl'], 'no partial file left beside it');
});

t.test('on a terminal, pull draws its progress bar while the lines go to the file', async (t) => {
  const sim = await startSimulator({
    records: 3000,
    users: 20,
    serial: 'CLI-TTY',
    logger: pino({ level: 'silent' }),
  });
  t.teardown(() => sim.stop());
  const out = join(tempDir(t), 'events.jsonl');
  const r = await runCliOnTty(['pull', '--host', sim.host, '--port', String(sim.port), '--out', out]);
  t.equal(r.code, 0, r.output);
  t.match(r.output, /download \[[█░]+\] 100% 120004\/120004 bytes/, 'the bar, at its end');
  t.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 3000);
});

t.test('a pull the terminal cuts after lines were written leaves no file', async (t) => {
  // 6,000 punches are four chunks; the cut falls in the third, after the first two chunks' lines went out
  const sim = await startSimulator({
    records: 6000,
    users: 20,
    serial: 'CLI-CUT',
    logger: pino({ level: 'silent' }),
  });
  t.teardown(() => sim.stop());
  const dir = tempDir(t);
  const out = join(dir, 'events.jsonl');
  const args = ['pull', '--host', sim.host, '--port', String(sim.port), '--out', out];
  const progress: number[] = [];
  sim.device.faults.dropAfterBytes = 150_000;
  const r = await runCli(args);
  t.equal(r.code, 1, r.output);
  t.match(r.output, /X05_CLOSED/);
  for (const m of r.output.matchAll(/"done":(\d+)/g)) progress.push(Number(m[1]));
  t.ok(
    progress.some((b) => b >= 2 * 65_472),
    `two chunks were in before the cut (${progress})`,
  );
  t.same(readdirSync(dir), [], 'no file, not even the part of it that was written');
});
