/**
 * Memory against backlog size: the built gateway, started with the Docker image's node flags and
 * environment (read from the Dockerfile, so the two cannot drift apart), drains a store holding 10,000
 * and one holding 1,000,000 queued punches to a real Mosquitto, confirmations on (the subscriber confirms
 * each punch as a forwarder would). Its RSS is sampled every 100 ms from /proc until the subscriber has
 * every punch: whole, and split into anonymous memory (heaps, LevelDB's caches, malloc) and file-backed
 * pages (the node binary, LevelDB's tables read through mmap). The target: the large drain peaks at no
 * more than 1.2× the small one, and at no more than 150 MB.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { Confirmer } from '../src/forwarder/confirmer.js';
import { PunchStore } from '../src/store/punch-store.js';
import { samplePunches } from '../test/helpers/events.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { imageRuntime } from '../test/helpers/node-runtime.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const SMALL = Number(process.env.BENCH_BACKLOG_SMALL ?? 10_000);
const LARGE = Number(process.env.BENCH_BACKLOG ?? 1_000_000);
const FILL_BATCH = 20_000;

interface Memory {
  rss: number;
  anon: number;
  file: number;
}

/** VmRSS, RssAnon and RssFile of a process, MB (/proc/PID/status). */
function memoryMb(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** A store holding `n` queued punches, written as terminals' pulls write them: synced batches of 20,000. */
async function fill(dir: string, n: number): Promise<number> {
  const store = await PunchStore.open(dir);
  const t0 = performance.now();
  for (let i = 0; i < n; i += FILL_BATCH)
    await store.accept(samplePunches(Math.min(FILL_BATCH, n - i), `BL-${i / FILL_BATCH}`, 'backlog'));
  const rate = n / ((performance.now() - t0) / 1000);
  await store.close();
  return rate;
}

interface Drain {
  rate: number;
  peak: Memory;
  /** Median of the RSS samples: where the drain runs between LevelDB's compactions and V8's collections. */
  medianRss: number;
}

/** Runs the built gateway, as the image runs it, on `storeDir` until a subscriber has all `n` punches. */
async function drain(broker: Mosquitto, dir: string, storeDir: string, n: number): Promise<Drain> {
  const site = `backlog-${n}`;
  const config = join(dir, `${site}.yaml`);
  const settings = { data_dir: storeDir, broker: { url: broker.url }, publish: { max_rate: 0 } };
  writeFileSync(config, stringify({ site, ...settings, log_level: 'warn' }));
  const sub = await mqtt.connectAsync(broker.url);
  let received = 0;
  const confirmer = new Confirmer((topic, payload) => sub.publish(topic, payload, { qos: 1 }));
  sub.on('message', (topic, payload) => {
    received++;
    confirmer.held(topic, (JSON.parse(payload.toString()) as { id: string }).id);
  });
  await sub.subscribeAsync(`x05/v1/${site}/+/punch`, { qos: 1 });
  const { nodeArgs, script, env } = imageRuntime('Dockerfile');
  const t0 = performance.now();
  const gw = spawn(process.execPath, [...nodeArgs, script, 'gateway', '--config', config], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  const peak: Memory = { rss: 0, anon: 0, file: 0 };
  const samples: number[] = [];
  const sampler = setInterval(() => {
    if (!gw.pid || gw.exitCode !== null) return;
    const m = memoryMb(gw.pid);
    samples.push(m.rss);
    for (const k of ['rss', 'anon', 'file'] as const) peak[k] = Math.max(peak[k], m[k]);
  }, 100);
  try {
    await until('backlog drained', () => received >= n || gw.exitCode !== null, 3_600_000, 200);
    if (received < n)
      throw new Error(`the gateway exited (${gw.exitCode}) after ${received} of ${n} punches`);
  } finally {
    clearInterval(sampler);
    gw.kill('SIGTERM');
    await sub.endAsync(true);
  }
  const rate = n / ((performance.now() - t0) / 1000);
  samples.sort((a, b) => a - b);
  return { rate, peak, medianRss: samples[samples.length >> 1]! };
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-backlog-'));
  // queues sized as config/mosquitto.conf sizes them
  const broker = await Mosquitto.start({ extra: ['max_queued_messages 100000'] });
  try {
    execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
    const fillRate = await fill(join(dir, 'large'), LARGE);
    await fill(join(dir, 'small'), SMALL);
    const small = await drain(broker, dir, join(dir, 'small'), SMALL);
    const large = await drain(broker, dir, join(dir, 'large'), LARGE);
    const { nodeArgs, env } = imageRuntime('Dockerfile');
    const how = `the image's ${nodeArgs.join(' ')} MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX}`;
    const smallPeak = { name: `peak at a ${SMALL} backlog`, value: small.peak.rss };
    const parts = (n: number, d: Drain) => [
      figure(`gateway peak anonymous RSS draining ${n} backlog`, d.peak.anon, 'MB'),
      figure(`gateway peak file-backed RSS draining ${n} backlog`, d.peak.file, 'MB'),
      figure(`gateway median RSS draining ${n} backlog`, d.medianRss, 'MB'),
    ];
    return [
      figure(`store fill (${LARGE} punches, ${FILL_BATCH} per accept)`, fillRate, 'events/s'),
      figure(`gateway draining ${SMALL} backlog to Mosquitto, ${how}`, small.rate, 'events/s'),
      figure(`gateway draining ${LARGE} backlog to Mosquitto, ${how}`, large.rate, 'events/s'),
      figure(`gateway peak RSS draining ${SMALL} backlog, ${how}`, small.peak.rss, 'MB'),
      figure(`gateway peak RSS draining ${LARGE} backlog, ${how}`, large.peak.rss, 'MB', smallPeak),
      ...parts(SMALL, small),
      ...parts(LARGE, large),
    ];
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
