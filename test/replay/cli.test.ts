/**
 * The commands end to end as child processes: `pull --capture` records a live session to a pcap that our
 * reader (and tcpdump, when installed) opens, holding the simulator's own log; `replay FILE` prints JSON
 * lines; `replay FILE --as-device` serves a committed capture to `pull`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readTcpConversations } from '../../protocol/pcap/index.js';
import { replayLines } from '../../src/cli/replay-command.js';
import { startSimulator } from '../../src/sim/server.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { silentLogger } from '../helpers/loggers.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { CAPTURES_DIR, loadCaptures } from './capture-files.js';

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

t.test('pull --capture records the session as a pcap holding the simulator log', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({
    records: 300,
    users: 7,
    seed: 9,
    serial: 'CAP-1',
    logger: silentLogger(),
  });
  t.teardown(() => sim.stop());
  const file = join(dir, 'session.pcap');
  const pull = await runCli([
    'pull',
    ...['--host', sim.host, '--port', String(sim.port), '--timezone', 'UTC', '--out', join(dir, 'e.jsonl')],
    ...['--capture', file],
  ]);
  t.equal(pull.code, 0, pull.output.slice(-500));
  const [conv, ...rest] = readTcpConversations(readFileSync(file), file);
  t.equal(rest.length, 0);
  t.match(conv, { server: { address: sim.host, port: sim.port }, toClient: { end: { how: 'fin' } } });
  const records = [...replayLines(conv!)]
    .filter((l) => l.kind === 'record')
    .map((l) => ({ userId: l.userId, deviceTime: l.deviceTime, punch: l.punch, verify: l.verify }));
  t.same(
    records,
    sim.device.records.map((r) => ({
      userId: r.userId,
      deviceTime: r.deviceTime,
      punch: r.punch,
      verify: r.verify,
    })),
  );
  if (!hasTcpdump) {
    t.comment('tcpdump not installed: no cross-check with another reader');
    return;
  }
  const dump = spawnSync('tcpdump', ['-r', file, '-nn', '-vv'], { encoding: 'utf8' });
  t.equal(dump.status, 0, dump.stderr);
  t.notMatch(dump.stdout, /incorrect|bad cksum|truncated/i, 'tcpdump finds every checksum right');
  t.match(dump.stdout, /Flags \[S\]/);
});

t.test('pull --capture of a session the terminal broke still leaves a readable file', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({
    records: 3000,
    seed: 2,
    faults: { dropAfterBytes: 20_000 },
    logger: silentLogger(),
  });
  t.teardown(() => sim.stop());
  const file = join(dir, 'broken.pcap');
  const pull = await runCli(['pull', '--host', sim.host, '--port', String(sim.port), '--capture', file]);
  t.equal(pull.code, 1);
  const conv = readTcpConversations(readFileSync(file))[0]!;
  t.equal(conv.toClient.bytes.length, 20_000, 'every byte the terminal sent before it dropped');
});

t.test('replay FILE prints every frame and record as JSON lines', async (t) => {
  const full = loadCaptures().find((c) => c.name === 'x05sim-v660-full-download.pcap')!;
  const r = await runCli(['replay', join(CAPTURES_DIR, full.name)]);
  t.equal(r.code, 0);
  const lines = r.output
    .split('\n')
    .filter((l) => l.startsWith('{"kind"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines.filter((l) => l.kind === 'record').length, full.sidecar.expected.record_count);
  t.ok(lines.some((l) => l.command === 'READ_BUFFER(1504)' && l.from === 'client'));
  const bad = await runCli(['replay', join(CAPTURES_DIR, 'no-such.pcap')]);
  t.equal(bad.code, 2, 'a missing file is bad usage');
});

t.test('replay --as-device serves a capture that pull downloads in full', async (t) => {
  const dir = tempDir(t);
  const full = loadCaptures().find((c) => c.name === 'x05sim-v660-full-download-gateway.pcap')!;
  const device = spawnCli(['replay', join(CAPTURES_DIR, full.name), '--as-device', '--port', '0', '--once']);
  t.teardown(() => stopCli(device));
  await waitForOutput(device, /"kind":"listening"/);
  const port = /"kind":"listening","host":"[^"]+","port":(\d+)/.exec(device.output())![1]!;
  const out = join(dir, 'events.jsonl');
  const pull = await runCli([
    'pull',
    '--host',
    '127.0.0.1',
    '--port',
    port,
    '--timezone',
    'UTC',
    '--out',
    out,
  ]);
  t.equal(pull.code, 0, pull.output.slice(-500));
  const events = readFileSync(out, 'utf8').trim().split('\n');
  t.equal(events.length, full.sidecar.expected.record_count);
  await until('the replay device to exit by itself', () => device.exitCode !== null, 20_000).catch(() => {});
  t.equal(device.exitCode, 0, '--once: exits by itself after the client left');
});
