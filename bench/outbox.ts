/**
 * Edge durability figures (issue 5): sustained store → Mosquitto QoS 1 rate against publishing the same
 * events straight from memory (the limit); latency from store to a subscriber at a realtime pace of
 * 50 punches/s; and the RSS of the real gateway process (built CLI, no devices) while it drains a
 * backlog of a million punches from disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { PunchStore } from '../src/store/punch-store.js';
import { samplePunches } from '../test/helpers/events.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const silent = pino({ level: 'silent' });
const RATE_EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 100_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000_000);

async function counter(url: string, topic: string) {
  const sub = await mqtt.connectAsync(url);
  let n = 0;
  const arrivals = new Map<string, number>();
  sub.on('message', (_t, p) => {
    n++;
    arrivals.set(JSON.parse(p.toString()).id, performance.now());
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

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function drainBacklog(broker: Mosquitto, dir: string): Promise<BenchResult[]> {
  const storeDir = join(dir, 'backlog');
  const store = await PunchStore.open(storeDir);
  let t0 = performance.now();
  for (let i = 0; i < BACKLOG; i += 20_000)
    await store.accept(samplePunches(20_000, `BL-${i / 20_000}`, 'backlog'));
  const fillRate = BACKLOG / ((performance.now() - t0) / 1000);
  await store.close();
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const config = join(dir, 'site.yaml');
  writeFileSync(
    config,
    stringify({
      site: 'backlog',
      data_dir: storeDir,
      broker: { url: broker.url },
      publish: { max_rate: 0 },
      log_level: 'warn',
    }),
  );
  const sub = await counter(broker.url, 'x05/v1/backlog/+/punch');
  const { spawn } = await import('node:child_process');
  t0 = performance.now();
  const gw = spawn(process.execPath, ['dist/src/cli/main.js', 'gateway', '--config', config], {
    stdio: 'ignore',
  });
  let peak = 0;
  const sampler = setInterval(() => {
    if (gw.pid) peak = Math.max(peak, rssMb(gw.pid));
  }, 100);
  await until('backlog drained', () => sub.count() >= BACKLOG, 1_800_000, 200);
  const drainRate = BACKLOG / ((performance.now() - t0) / 1000);
  clearInterval(sampler);
  gw.kill('SIGTERM');
  await sub.close();
  return [
    figure(`store fill (${BACKLOG} punches, 20k per synced batch)`, fillRate, 'events/s'),
    figure(`gateway draining ${BACKLOG} backlog to Mosquitto`, drainRate, 'events/s'),
    figure(`gateway peak RSS draining ${BACKLOG} backlog`, peak, 'MB'),
  ];
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-outbox-'));
  const broker = await Mosquitto.start();
  try {
    return [...(await storeToBroker(broker, dir)), ...(await drainBacklog(broker, dir))];
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
