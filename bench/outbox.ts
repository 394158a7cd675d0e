/**
 * Edge durability figures: sustained store → Mosquitto QoS 1 rate against publishing the same
 * events straight from memory (the limit); latency from store to a subscriber at a realtime pace of
 * 50 punches/s; and the confirmation loop's cost, outbox → forwarder with and without confirmations, and
 * store → confirmed latency (bench/confirm-loop.ts). The gateway's memory draining a backlog is
 * bench/backlog.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { PunchStore } from '../src/store/punch-store.js';
import { samplePunches } from '../test/helpers/events.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { until } from '../test/helpers/until.js';
import { confirmLoop } from './confirm-loop.js';
import { type BenchResult, figure } from './result.js';

const silent = pino({ level: 'silent' });
const RATE_EVENTS = Number(process.env.BENCH_OUTBOX_EVENTS ?? 100_000);

/** Counts punches on `topic`, with the time each arrived. */
async function counter(url: string, topic: string) {
  const sub = await mqtt.connectAsync(url);
  let n = 0;
  const arrivals = new Map<string, number>();
  sub.on('message', (_t, p) => {
    n++;
    arrivals.set(JSON.parse(p.toString()).id as string, performance.now());
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

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-outbox-'));
  // queues sized as config/mosquitto.conf sizes them: a forwarder in its own process falls behind a
  // gateway draining a full outbox, and without confirmations a stock broker (1,000 queued) would drop the
  // rest for good — the baseline could never finish
  const broker = await Mosquitto.start({ extra: ['max_queued_messages 100000'] });
  try {
    return [...(await storeToBroker(broker, dir)), ...(await confirmLoop(broker, dir))];
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
