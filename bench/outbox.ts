/**
 * Edge durability figures: sustained store → Mosquitto QoS 1 rate against publishing the same
 * events straight from memory (the limit); latency from store to a subscriber at a realtime pace of
 * 50 punches/s; the confirmation loop's cost, outbox → forwarder with and without confirmations, and store →
 * confirmed latency (bench/confirm-loop.ts); and the RSS of the real gateway process (built CLI, no devices)
 * while it drains a backlog of a million punches from disk (BENCH_BACKLOG=0 skips it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { Confirmer } from '../src/forwarder/confirmer.js';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { PunchStore } from '../src/store/punch-store.js';
import { samplePunches } from '../test/helpers/events.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { imageRuntime, type NodeRuntime } from '../test/helpers/node-runtime.js';
import { until } from '../test/helpers/until.js';
import { confirmLoop } from './confirm-loop.js';
import { type BenchResult, figure } from './result.js';

const silent = pino({ level: 'silent' });
const RATE_EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 100_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);

/** Counts punches on `topic`; with `confirm`, confirms each at once as a forwarder would. */
async function counter(url: string, topic: string, confirm = false) {
  const sub = await mqtt.connectAsync(url);
  let n = 0;
  const arrivals = new Map<string, number>();
  const confirmer = new Confirmer((t, payload) => sub.publish(t, payload, { qos: 1 }));
  sub.on('message', (t, p) => {
    n++;
    const id = JSON.parse(p.toString()).id as string;
    arrivals.set(id, performance.now());
    if (confirm) confirmer.held(t, id);
  });
  await sub.subscribeAsync(topic, { qos: 1 });
  return { count: () => n, arrivals, close: () => sub.endAsync(true) };
}

async function storeToBroker(broker: Mosquitto, dir: string): Promise<BenchResult[]> {
  const events = samplePunches(RATE_EVENTS, 'RATE-1', 'rate');
  // the limit: the same payloads published from memory, same window, no disk
  const sub1 = await counter(broker.url, 'x05/v1/limit/#');
  const client = await mqtt.connectAsync(broker.url);
  let t0 = performance.now();
  // the same sliding window of unacknowledged publishes as the outbox publisher, nothing else
  const window = 256;
  let next = 0;
  const lane = async () => {
    while (next < events.length) {
      const e = events[next++]!;
      await client.publishAsync('x05/v1/limit/RATE-1/punch', JSON.stringify(e), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const limitRate = events.length / ((performance.now() - t0) / 1000);
  await sub1.close();

  const store = await PunchStore.open(join(dir, 'rate'));
  await store.accept(events);
  const publisher = new OutboxPublisher({
    confirm: false,
    client,
    outbox: store,
    site: 'rate',
    logger: silent,
    window,
    maxRate: 0,
  });
  t0 = performance.now();
  publisher.start();
  await until('drained', () => store.outboxDepth === 0, 600_000, 5);
  const ours = events.length / ((performance.now() - t0) / 1000);
  await publisher.stop();

  // realtime pace: one punch every 20 ms, store → subscriber
  const sub2 = await counter(broker.url, 'x05/v1/rate/+/punch');
  publisher.start();
  const live = samplePunches(500, 'LIVE-1', 'rate', 10_000_000);
  const sent = new Map<string, number>();
  for (const e of live) {
    sent.set(e.id, performance.now());
    await store.accept([e]);
    await new Promise((r) => setTimeout(r, 20));
  }
  await until('live punches', () => live.every((e) => sub2.arrivals.has(e.id)), 60_000);
  const lat = live.map((e) => sub2.arrivals.get(e.id)! - sent.get(e.id)!).sort((a, b) => a - b);
  await publisher.stop();
  await sub2.close();
  await client.endAsync();
  await store.close();
  const limit = { name: 'publish from memory with mqtt (the limit)', value: limitRate };
  return [
    figure(limit.name, limitRate, 'events/s'),
    figure('outbox → Mosquitto QoS 1 (disk, PUBACK, delete)', ours, 'events/s', limit),
    figure('store → subscriber latency p50 at 50 punches/s', lat[Math.floor(lat.length * 0.5)]!, 'ms'),
    figure('store → subscriber latency p99 at 50 punches/s', lat[Math.floor(lat.length * 0.99)]!, 'ms'),
  ];
}

/** VmRSS, RssAnon and RssFile of a process, MB (/proc/PID/status). */
function memoryMb(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** How the gateway child is started: node's flags before the script, and the environment it adds. */
type Launch = Pick<NodeRuntime, 'nodeArgs' | 'env'>;

/** The Docker image's node flags (its ENTRYPOINT's, before the script) and environment, for the gateway child. */
function imageSettings(): Launch {
  const { nodeArgs, env } = imageRuntime('Dockerfile');
  if (nodeArgs.length === 0 || !env.MALLOC_ARENA_MAX)
    throw new Error('the Dockerfile sets no node flags on its ENTRYPOINT or no MALLOC_ARENA_MAX');
  return { nodeArgs, env };
}

interface Drain {
  rate: number;
  peak: { rss: number; anon: number; file: number };
  /** Median of the RSS samples: where the drain runs between LevelDB's compactions and V8's collections. */
  medianRss: number;
  /** Share of the samples at or above the 80 MB, %. */
  over80: number;
}

/** Runs the built gateway on `storeDir` until a subscriber has every punch of the backlog. */
async function drain(broker: Mosquitto, dir: string, storeDir: string, site: string, settings: Launch) {
  const config = join(dir, `${site}.yaml`);
  writeFileSync(
    config,
    stringify({
      site,
      data_dir: storeDir,
      broker: { url: broker.url },
      publish: { max_rate: 0 },
      log_level: 'warn',
    }),
  );
  // the gateway runs as shipped, confirmations on: the subscriber confirms what it gets
  const sub = await counter(broker.url, `x05/v1/${site}/+/punch`, true);
  const t0 = performance.now();
  const args = [...settings.nodeArgs, 'dist/src/cli/main.js', 'gateway', '--config', config];
  const gw = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, ...settings.env } });
  const peak = { rss: 0, anon: 0, file: 0 };
  const samples: number[] = [];
  const sampler = setInterval(() => {
    if (!gw.pid) return;
    const m = memoryMb(gw.pid);
    samples.push(m.rss);
    for (const k of ['rss', 'anon', 'file'] as const) peak[k] = Math.max(peak[k], m[k]);
  }, 100);
  await until('backlog drained', () => sub.count() >= BACKLOG, 1_800_000, 200);
  const rate = BACKLOG / ((performance.now() - t0) / 1000);
  clearInterval(sampler);
  gw.kill('SIGTERM');
  await sub.close();
  samples.sort((a, b) => a - b);
  const over80 = (100 * samples.filter((mb) => mb >= 80).length) / samples.length;
  return { rate, peak, medianRss: samples[samples.length >> 1]!, over80 } satisfies Drain;
}

/**
 * A million punches stored while no broker was reachable, then drained by the built gateway twice: with
 * Node's defaults, and with the Docker image's memory settings, each from its own copy of the store. RSS is
 * given whole and in its two parts: anonymous memory (heaps, LevelDB's caches) and file pages (the node
 * binary's code and ICU data, LevelDB's memory-mapped tables).
 */
async function drainBacklog(broker: Mosquitto, dir: string): Promise<BenchResult[]> {
  const storeDir = join(dir, 'backlog');
  const store = await PunchStore.open(storeDir);
  const t0 = performance.now();
  for (let i = 0; i < BACKLOG; i += 20_000)
    await store.accept(samplePunches(20_000, `BL-${i / 20_000}`, 'backlog'));
  const fillRate = BACKLOG / ((performance.now() - t0) / 1000);
  await store.close();
  cpSync(storeDir, `${storeDir}-image`, { recursive: true });
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const plain = await drain(broker, dir, storeDir, 'backlog', { nodeArgs: [], env: {} });
  const settings = imageSettings();
  const image = await drain(broker, dir, `${storeDir}-image`, 'backlog-image', settings);
  const withSettings = `with the image's ${settings.nodeArgs.join(' ')} MALLOC_ARENA_MAX=${settings.env.MALLOC_ARENA_MAX}`;
  const parts = (d: Drain, how: string) => [
    figure(`gateway peak RSS draining ${BACKLOG} backlog${how}`, d.peak.rss, 'MB', {
      name: 'issue target 80 MB',
      value: 80,
    }),
    figure(`gateway median RSS draining ${BACKLOG} backlog${how}`, d.medianRss, 'MB'),
    figure(`gateway RSS samples at or above 80 MB draining ${BACKLOG} backlog${how}`, d.over80, '%'),
    figure(`gateway peak anonymous RSS draining ${BACKLOG} backlog${how}`, d.peak.anon, 'MB'),
    figure(`gateway peak file-backed RSS draining ${BACKLOG} backlog${how}`, d.peak.file, 'MB'),
  ];
  return [
    figure(`store fill (${BACKLOG} punches, 20k per synced batch)`, fillRate, 'events/s'),
    figure(`gateway draining ${BACKLOG} backlog to Mosquitto`, plain.rate, 'events/s'),
    figure(`gateway draining ${BACKLOG} backlog to Mosquitto, ${withSettings}`, image.rate, 'events/s', {
      name: 'Node defaults',
      value: plain.rate,
    }),
    ...parts(plain, ''),
    ...parts(image, `, ${withSettings}`),
  ];
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-outbox-'));
  // queues sized as config/mosquitto.conf sizes them: a forwarder in its own process falls behind a
  // gateway draining a full outbox, and without confirmations a stock broker (1,000 queued) would drop the
  // rest for good — the baseline could never finish
  const broker = await Mosquitto.start({ extra: ['max_queued_messages 100000'] });
  try {
    return [
      ...(await storeToBroker(broker, dir)),
      ...(await confirmLoop(broker, dir)),
      // BENCH_BACKLOG=0 skips the million-punch drain (a smoke run)
      ...(BACKLOG > 0 ? await drainBacklog(broker, dir) : []),
    ];
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
