/**
 * Records the committed captures in captures/ (run by hand, as root, with tcpdump installed — and dumpcap
 * for the UDP scenario; CI only replays the files): `npx tsx test/replay/record-captures.ts [scenario…]`,
 * every scenario when none is named. Each scenario runs the real `x05-gateway pull --capture` against the
 * simulator serving captures/x05sim-v660-dataset.json while `tcpdump -i lo` records the same session, so
 * every scenario yields two captures of one session: tcpdump's and our writer's (three with dumpcap's
 * pcapng). The sidecars' expectations come from the dataset file and the simulator's settings, not from a
 * decoder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { ZK_PORT } from '../../protocol/pcap/index.js';
import { closeSessionCapture, openSessionCapture } from '../../src/cli/replay-capture.js';
import { runRealtimeSession } from '../../src/device/realtime.js';
import { type Simulator, startSimulator } from '../../src/sim/server.js';
import { runCli, spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { repoPath } from '../helpers/repo.js';

const dir = repoPath('captures/');
const DATASET = 'x05sim-v660-dataset.json';
const SERIAL = 'X05SIM0001';
const FIRMWARE = 'Ver 6.60 Jun 05 2018';
const PLATFORM = 'ZEM600_TFT';
const dataset = JSON.parse(readFileSync(`${dir}${DATASET}`, 'utf8')) as { records: unknown[] };

interface Scenario {
  scenario: string;
  what: string;
  /** tcpdump link type: lo gives Ethernet; `any` with -y gives Linux cooked. */
  iface: string[];
  /** UDP (zk-tcp §14), on the terminal port 4370 where `replay` looks for UDP sessions; default TCP. */
  udp?: boolean;
  /** Also recorded by dumpcap, which writes pcapng. */
  dumpcap?: boolean;
  dropAfterBytes?: number;
  commKey?: number;
  /** Punches made at the terminal during a registered session (zk-tcp §12). */
  realtime?: Array<{ userId: string; deviceTime: string; verify: number; punch: number }>;
  expected: Record<string, unknown>;
}

const scenarios: Scenario[] = [
  {
    scenario: 'full-download',
    what: 'connect, serial, free sizes, the whole attendance log in two 1504 chunks, clock, exit',
    iface: ['-i', 'lo'],
    expected: {
      pull_exit_code: 0,
      serial: SERIAL,
      records: `all ${dataset.records.length} records of ${DATASET}, in file order`,
      record_count: dataset.records.length,
      record_size: 40,
      dataset_bytes: 4 + 40 * dataset.records.length,
    },
  },
  {
    scenario: 'comm-key-download',
    what: 'a terminal with a comm key: CONNECT answered ACK_UNAUTH, CMD_AUTH, then the full download',
    iface: ['-i', 'lo'],
    commKey: 314159,
    expected: {
      pull_exit_code: 0,
      serial: SERIAL,
      auth: true,
      records: `all ${dataset.records.length} records of ${DATASET}, in file order`,
      record_count: dataset.records.length,
      record_size: 40,
      dataset_bytes: 4 + 40 * dataset.records.length,
    },
  },
  {
    scenario: 'realtime-punches',
    what: 'register for EF_ATTLOG, catch-up read of the log, then five punches at the terminal as events',
    iface: ['-i', 'lo'],
    realtime: [
      { userId: '1001', deviceTime: '2026-10-11T08:00:01', verify: 1, punch: 0 },
      { userId: 'NB2401004', deviceTime: '2026-10-11T08:00:05', verify: 15, punch: 0 },
      { userId: '1007', deviceTime: '2026-10-11T08:01:10', verify: 2, punch: 1 },
      { userId: '1001', deviceTime: '2026-10-11T12:30:00', verify: 1, punch: 255 },
      { userId: '1020', deviceTime: '2026-10-11T17:45:59', verify: 0, punch: 5 },
    ],
    expected: {
      pull_exit_code: 0,
      serial: SERIAL,
      records: `all ${dataset.records.length} records of ${DATASET} (the catch-up read), then the realtime events`,
      record_count: dataset.records.length,
      record_size: 40,
      dataset_bytes: 4 + 40 * dataset.records.length,
    },
  },
  {
    scenario: 'udp-full-download',
    what: 'the full download over UDP: one packet per datagram, 16 KiB chunks read as DATA datagrams of 1024 bytes',
    iface: ['-i', 'lo'],
    udp: true,
    dumpcap: true,
    expected: {
      pull_exit_code: 0,
      serial: SERIAL,
      records: `all ${dataset.records.length} records of ${DATASET}, in file order`,
      record_count: dataset.records.length,
      record_size: 40,
      dataset_bytes: 4 + 40 * dataset.records.length,
    },
  },
  {
    scenario: 'broken-session',
    what: 'the terminal drops the connection after 40000 bytes, inside the first DATA frame of the log',
    iface: ['-i', 'any', '-y', 'LINUX_SLL'],
    dropAfterBytes: 40_000,
    expected: {
      pull_exit_code: 1,
      error_code: 'X05_CLOSED',
      serial: SERIAL,
      device_bytes: 40_000,
      records: 'none taken: a partial transfer is never taken for the whole log',
      record_count: 0,
    },
  },
];

/** A packet recorder started and ready: it says so on stderr once it captures. */
async function startRecorder(command: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  while (!ready.test(err)) {
    if (child.exitCode !== null) throw new Error(`${command} failed: ${err}`);
    await sleep(50);
  }
  return child;
}

const tcpdump = (args: string[]) => startRecorder('tcpdump', ['-U', '-s', '0', ...args], /listening on/);
const dumpcap = (args: string[]) => startRecorder('dumpcap', ['-s', '0', ...args], /Capturing on/);

/** The terminal for one scenario: the CLI simulator where its switches suffice, else the in-process one. */
async function terminal(
  s: Scenario,
  port: number,
): Promise<{ stop: () => Promise<unknown>; sim?: Simulator }> {
  if (s.dropAfterBytes === undefined && !s.realtime) {
    const key = s.commKey === undefined ? [] : ['--comm-key', String(s.commKey)];
    const cli = spawnCli([
      'simulate',
      '--port',
      String(port),
      '--data-file',
      `${dir}${DATASET}`,
      '--serial',
      SERIAL,
      ...key,
      ...(s.udp ? ['--udp'] : []),
    ]);
    await waitForOutput(cli, /simulator listening/);
    return { stop: () => stopCli(cli) };
  }
  const sim = await startSimulator({
    port,
    dataFile: `${dir}${DATASET}`,
    serial: SERIAL,
    ...(s.dropAfterBytes === undefined ? {} : { faults: { dropAfterBytes: s.dropAfterBytes } }),
    logger: pino({ level: 'silent' }),
  });
  return { stop: () => sim.stop(), sim };
}

/** The gateway's realtime path: register, catch-up read, then the punches made at the terminal as events. */
async function realtimeClient(s: Scenario, sim: Simulator, port: number, capture: string): Promise<number> {
  const cap = openSessionCapture(capture, '127.0.0.1', port);
  const stop = new AbortController();
  const seen: string[] = [];
  let failure: unknown;
  try {
    await runRealtimeSession({
      host: '127.0.0.1',
      port,
      site: 'capture',
      timezone: 'UTC',
      timeoutMs: 5000,
      heartbeatMs: 60_000,
      signal: stop.signal,
      onBytes: cap.onBytes,
      onSynced: async () => {
        // fingers on the sensor, once the session is registered and caught up
        for (const r of s.realtime!) {
          sim.device.addPunch({ uid: 0, workcode: 0, ...r });
          await sleep(200);
        }
      },
      onPunches: async (events) => {
        for (const e of events) seen.push(e.device_time);
        if (seen.length === s.realtime!.length) stop.abort();
      },
    });
  } catch (err) {
    failure = err;
  } finally {
    closeSessionCapture(cap, failure);
  }
  return failure ? 1 : 0;
}

const named = process.argv.slice(2);
for (const s of scenarios.filter((x) => named.length === 0 || named.includes(x.scenario))) {
  const port = s.udp ? ZK_PORT : await freePort();
  const base = `x05sim-v660-${s.scenario}`;
  const filter = `${s.udp ? 'udp' : 'tcp'} port ${port}`;
  const dump = await tcpdump([...s.iface, '-w', `${dir}${base}.pcap`, filter]);
  const ng = s.dumpcap
    ? await dumpcap([...s.iface, '-f', filter, '-w', `${dir}${base}-dumpcap.pcapng`])
    : undefined;
  const device = await terminal(s, port);
  let code: number | null;
  if (s.realtime) {
    code = await realtimeClient(s, device.sim!, port, `${dir}${base}-gateway.pcap`);
  } else {
    const key = s.commKey === undefined ? [] : ['--comm-key', String(s.commKey)];
    const pull = await runCli([
      ...['pull', '--host', '127.0.0.1', '--port', String(port), '--timezone', 'UTC', '--out', '/dev/null'],
      ...['--capture', `${dir}${base}-gateway.pcap`, ...key, ...(s.udp ? ['--udp'] : [])],
    ]);
    code = pull.code;
  }
  // tcpdump reads the kernel's ring buffer behind the traffic; on a loaded machine 0.5 s lost the last packets
  await sleep(3000);
  for (const r of [dump, ng]) r?.kill('SIGINT');
  await Promise.all([dump, ng].map((r) => r && once(r, 'exit')));
  await device.stop();
  const date = new Date().toISOString();
  const sidecar = (recorder: string, file: string) => ({
    source: `recorded on loopback by test/replay/record-captures.ts; ${recorder}`,
    file,
    device: { model: 'x05-gateway simulator', serial: SERIAL, firmware: FIRMWARE, platform: PLATFORM },
    date,
    // the key itself is never written down; tests replaying the session may use any key (AUTH is replayed)
    comm_key: s.commKey === undefined ? null : '[redacted]',
    scenario: s.scenario,
    what: s.what,
    ...(s.udp ? { transport: 'udp' } : {}),
    client: s.realtime ? 'runRealtimeSession (the gateway realtime path)' : 'x05-gateway pull',
    dataset: DATASET,
    ...(s.dropAfterBytes === undefined ? {} : { fault: { dropAfterBytes: s.dropAfterBytes } }),
    expected: { ...s.expected, ...(s.realtime ? { realtime_events: s.realtime } : {}) },
  });
  const write = (name: string, recorder: string, ext = 'pcap') =>
    writeFileSync(`${dir}${name}.json`, `${JSON.stringify(sidecar(recorder, `${name}.${ext}`), null, 2)}\n`);
  write(base, `tcpdump ${s.iface.join(' ')} -w (real kernel packets)`);
  write(`${base}-gateway`, 'the client recording its own session (our pcap writer, synthesised headers)');
  if (ng) write(`${base}-dumpcap`, `dumpcap ${s.iface.join(' ')} -w (real kernel packets, pcapng)`, 'pcapng');
  console.log(s.scenario, 'client exit', code);
}
