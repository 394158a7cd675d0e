/**
 * UDP sessions end to end, as child processes over real sockets: `pull --udp --capture` records a live UDP
 * session with the simulator; `replay FILE` decodes it to the simulator's own log; `replay --as-device`
 * serves it over UDP to `pull --udp`; a capture holding a TCP and a UDP session gives both, and a capture
 * with neither is refused naming both; the committed UDP captures go through the same commands.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readConversations } from '../../protocol/pcap/index.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodePacket } from '../../protocol/zk/packet.js';
import { UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { deviceScript, startReplayDevice } from '../../src/replay/device.js';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { silentLogger } from '../helpers/loggers.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { CAPTURES_DIR, loadCaptures } from './capture-files.js';

type Line = Record<string, unknown>;

const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{"kind"'))
    .map((l) => JSON.parse(l) as Line);

const punches = (lines: Line[]) =>
  lines
    .filter((l) => l.kind === 'record')
    .map((l) => ({ userId: l.userId, deviceTime: l.deviceTime, punch: l.punch, verify: l.verify }));

const simLog = (sim: Simulator) =>
  sim.device.records.map((r) => ({
    userId: r.userId,
    deviceTime: r.deviceTime,
    punch: r.punch,
    verify: r.verify,
  }));

/** `pull` of the simulator's whole log, recorded to `file`; over UDP unless `tcp`. */
async function recordPull(sim: Simulator, dir: string, file: string, tcp = false): Promise<void> {
  const pull = await runCli([
    ...['pull', '--host', sim.host, '--port', String(sim.port), '--timezone', 'UTC'],
    ...['--out', join(dir, `${file}.jsonl`), '--capture', join(dir, file), ...(tcp ? [] : ['--udp'])],
  ]);
  if (pull.code !== 0) throw new Error(`pull exited ${pull.code}: ${pull.output.slice(-500)}`);
}

t.test('pull --udp --capture records datagrams that replay decodes to the simulator log', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({ records: 700, users: 5, seed: 4, udp: true, logger: silentLogger() });
  t.teardown(() => sim.stop());
  await recordPull(sim, dir, 'udp.pcap');
  const { tcp, udp } = readConversations(readFileSync(join(dir, 'udp.pcap')), 'udp.pcap', sim.port);
  t.equal(tcp.length, 0, 'no TCP in a UDP session');
  t.equal(udp.length, 1);
  t.ok(
    udp[0]!.toClient.every((d) => d.payload.length <= 1032),
    'one ZK packet per datagram, 1024 data bytes at most',
  );

  const r = await runCli(['replay', join(dir, 'udp.pcap'), '--device-port', String(sim.port)]);
  t.equal(r.code, 0, r.output.slice(-500));
  const lines = jsonLines(r.output);
  t.match(lines[0], {
    kind: 'connection',
    transport: 'udp',
    device: `${sim.host}:${sim.port}`,
    deviceDatagrams: udp[0]!.toClient.length,
  });
  t.ok(lines.some((l) => l.from === 'client' && l.command === 'READ_BUFFER(1504)'));
  t.match(
    lines.find((l) => l.kind === 'dataset'),
    { dataset: 'attendance', bytes: 4 + 40 * 700, count: 700 },
  );
  t.same(punches(lines), simLog(sim), 'every punch, in order, field by field');
  t.notOk(
    lines.some((l) => l.kind === 'frame-error'),
    'no framing error',
  );

  const off = await runCli(['replay', join(dir, 'udp.pcap')]);
  t.equal(off.code, 2, 'UDP away from port 4370 is not taken without --device-port');
  t.match(off.output, /no TCP or UDP conversation in .*udp\.pcap \(UDP counts on port 4370 only/);
});

t.test('replay --as-device serves a UDP capture over UDP to pull --udp', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({
    records: 1500,
    seed: 8,
    udp: true,
    serial: 'UDP-REPLAY',
    logger: silentLogger(),
  });
  await recordPull(sim, dir, 'udp.pcap');
  const expected = simLog(sim);
  // the terminal is gone: only the recording answers now
  await sim.stop();
  const device = spawnCli([
    ...['replay', join(dir, 'udp.pcap'), '--device-port', String(sim.port)],
    ...['--as-device', '--port', '0', '--once'],
  ]);
  t.teardown(() => stopCli(device));
  await waitForOutput(device, /"kind":"listening"/);
  const listening = jsonLines(device.output()).find((l) => l.kind === 'listening')!;
  t.equal(listening.transport, 'udp');
  const out = join(dir, 'events.jsonl');
  const pull = await runCli([
    ...['pull', '--udp', '--host', '127.0.0.1', '--port', String(listening.port)],
    ...['--timezone', 'UTC', '--out', out],
  ]);
  t.equal(pull.code, 0, pull.output.slice(-500));
  t.match(pull.output, /"device":"UDP-REPLAY"/);
  const events = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { user_id: string; device_time: string; punch: number; verify: number });
  t.same(
    events.map((e) => ({ userId: e.user_id, deviceTime: e.device_time, punch: e.punch, verify: e.verify })),
    expected,
  );
  await until('the replay device to exit by itself', () => device.exitCode !== null, 20_000).catch(() => {});
  t.equal(device.exitCode, 0, '--once: exits by itself once the client said EXIT');
});

t.test('a capture holding a TCP and a UDP session gives both; one with neither is refused', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({ records: 40, seed: 3, udp: true, logger: silentLogger() });
  t.teardown(() => sim.stop());
  await recordPull(sim, dir, 'tcp.pcap', true);
  await recordPull(sim, dir, 'udp.pcap');
  // one Ethernet pcap: the TCP file, then the UDP file's records without its 24-byte file header
  const both = join(dir, 'both.pcap');
  writeFileSync(
    both,
    Buffer.concat([readFileSync(join(dir, 'tcp.pcap')), readFileSync(join(dir, 'udp.pcap')).subarray(24)]),
  );
  const r = await runCli(['replay', both, '--device-port', String(sim.port)]);
  t.equal(r.code, 0, r.output.slice(-500));
  const lines = jsonLines(r.output);
  t.same(
    lines.filter((l) => l.kind === 'connection').map((l) => l.transport),
    ['tcp', 'udp'],
  );
  const at = lines.findIndex((l) => l.kind === 'connection' && l.transport === 'udp');
  t.same(punches(lines.slice(0, at)), simLog(sim), 'the TCP session');
  t.same(punches(lines.slice(at)), simLog(sim), 'the UDP session');

  // a capture of neither: the header alone
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, readFileSync(both).subarray(0, 24));
  const none = await runCli(['replay', empty]);
  t.equal(none.code, 2);
  t.match(none.output, /no TCP or UDP conversation in/);
});

t.test(
  'over UDP the replay answers with the live reply ids, and ACK_UNKNOWN what it never saw',
  async (t) => {
    const dir = tempDir(t);
    const sim = await startSimulator({ records: 10, udp: true, logger: silentLogger() });
    t.teardown(() => sim.stop());
    await recordPull(sim, dir, 'udp.pcap');
    const [conv] = readConversations(readFileSync(join(dir, 'udp.pcap')), 'udp.pcap', sim.port).udp;
    const device = await startReplayDevice(deviceScript(conv!));
    t.teardown(() => device.close());
    t.equal(device.transport, 'udp');
    const socket = createSocket('udp4');
    t.teardown(() => socket.close());
    await new Promise<void>((resolve) => socket.connect(device.port, device.host, resolve));
    const deframer = new UdpDeframer('replay');
    const ask = async (command: number, replyId: number, data?: Buffer) => {
      const answer = once(socket, 'message');
      socket.send(encodePacket(command, 0, replyId, data));
      const [msg] = (await answer) as [Buffer];
      const [r] = deframer.push(msg);
      if (!r || 'error' in r) throw new Error(`not a valid packet: ${msg.toString('hex')}`);
      return r.packet;
    };
    // the recorded CONNECT had reply id 0; this one asks with 7
    t.match(
      await ask(Command.CONNECT, 7),
      { command: Command.ACK_OK, replyId: 7 },
      're-stamped, checksum valid',
    );
    t.match(await ask(Command.GET_VERSION, 8), { command: Command.ACK_UNKNOWN, replyId: 8 });
    t.match(await ask(Command.EXIT, 9), { command: Command.ACK_OK, replyId: 9 });
  },
);

t.test(
  'the committed UDP captures, by the commands: replay decodes them on port 4370, pull reads them served',
  async (t) => {
    const udp = loadCaptures().filter((c) => c.session.transport === 'udp');
    t.same(
      udp.map((c) => c.name),
      [
        'x05sim-v660-udp-full-download-dumpcap.pcapng',
        'x05sim-v660-udp-full-download-gateway.pcap',
        'x05sim-v660-udp-full-download.pcap',
      ],
    );
    const ng = udp[0]!;
    // no --device-port: the terminal port of a real UDP terminal is where replay looks
    const r = await runCli(['replay', join(CAPTURES_DIR, ng.name)]);
    t.equal(r.code, 0, r.output.slice(-500));
    t.same(punches(jsonLines(r.output)), ng.records, `${ng.name}: the dataset, in order`);

    const dir = tempDir(t);
    const kernel = udp[2]!;
    const device = spawnCli([
      'replay',
      join(CAPTURES_DIR, kernel.name),
      '--as-device',
      '--port',
      '0',
      '--once',
    ]);
    t.teardown(() => stopCli(device));
    await waitForOutput(device, /"kind":"listening"/);
    const { port } = jsonLines(device.output()).find((l) => l.kind === 'listening')!;
    const out = join(dir, 'events.jsonl');
    const pull = await runCli([
      ...['pull', '--udp', '--host', '127.0.0.1', '--port', String(port), '--timezone', 'UTC', '--out', out],
    ]);
    t.equal(pull.code, 0, pull.output.slice(-500));
    t.equal(readFileSync(out, 'utf8').trim().split('\n').length, kernel.sidecar.expected.record_count);
  },
);
