/**
 * Realtime latency (target: a PunchEvent within 100 ms of the event's arrival): the simulator sends an
 * EF_ATTLOG event frame for a new punch; we time it until the PunchEvent is durably stored (the synced
 * LevelDB batch resolved) and until Mosquitto's PUBACK for its QoS 1 publish arrived. One punch at a time,
 * so each figure is latency, not queueing. Clock starts at `addPunch`, which queues the frame on the
 * simulator's socket in the same tick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { DevicePoller } from '../src/device/index.js';
import type { PunchSink } from '../src/event/punch-sink.js';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { startSimulator } from '../src/sim/server.js';
import { PunchStore } from '../src/store/punch-store.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const PUNCHES = Number(process.env.BENCH_REALTIME_PUNCHES ?? 300);
const TARGET_MS = 100;
const silent = pino({ level: 'silent' });

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-rt-'));
  const broker = await Mosquitto.start();
  const sim = await startSimulator({
    records: 1000,
    users: 50,
    serial: 'BENCH-RT',
    seed: 21,
    logger: silent,
  });
  const store = await PunchStore.open(dir);
  const client = await mqtt.connectAsync(broker.url);
  // device_time identifies each benchmark punch: every one gets its own second
  const sentAt = new Map<string, number>();
  const storedAt = new Map<string, number>();
  const pubackAt = new Map<string, number>();
  const inFlight = new Map<number, string>();
  let settle: ((deviceTime: string) => void) | undefined;
  const sink: PunchSink = {
    async accept(events, opts) {
      const r = await store.accept(events, opts);
      const now = performance.now();
      for (const e of events) if (e.source === 'realtime') storedAt.set(e.device_time, now);
      return r;
    },
    cursor: (device) => store.cursor(device),
  };
  // PUBACK is matched to its publish by packet id; the outbox delete after it is batched and not counted
  client.on('packetsend', (p) => {
    if (p.cmd !== 'publish' || p.messageId === undefined) return;
    const e = JSON.parse(String(p.payload)) as { source?: string; device_time?: string };
    if (e.source === 'realtime' && e.device_time) inFlight.set(p.messageId, e.device_time);
  });
  client.on('packetreceive', (p) => {
    if (p.cmd !== 'puback' || p.messageId === undefined) return;
    const deviceTime = inFlight.get(p.messageId);
    if (deviceTime === undefined) return;
    inFlight.delete(p.messageId);
    pubackAt.set(deviceTime, performance.now());
    settle?.(deviceTime);
  });
  const publisher = new OutboxPublisher({
    confirm: false,
    client,
    outbox: store,
    site: 'bench',
    logger: silent,
  });
  publisher.start();
  let online = false;
  const poller = new DevicePoller({
    host: sim.host,
    port: sim.port,
    site: 'bench',
    timezone: 'UTC',
    timeoutMs: 5000,
    intervalMs: 60_000,
    realtime: true,
    heartbeatMs: 600_000,
    label: 'bench-rt',
    sink,
    logger: silent,
    onStatus: (s) => {
      online ||= s.state === 'online';
    },
  });
  poller.start();
  try {
    await until('catch-up read', () => online, 60_000, 5);
    await until('catch-up published', () => store.outboxDepth === 0, 60_000, 5);
    const user = sim.device.users[0]!;
    for (let i = 0; i < PUNCHES; i++) {
      const s = String(i % 60).padStart(2, '0');
      const m = String(Math.floor(i / 60) % 60).padStart(2, '0');
      const deviceTime = `2026-12-02T${String(10 + Math.floor(i / 3600)).padStart(2, '0')}:${m}:${s}`;
      const acked = new Promise<void>((resolve) => {
        settle = (t) => {
          if (t === deviceTime) resolve();
        };
      });
      sentAt.set(deviceTime, performance.now());
      sim.device.addPunch({
        uid: user.uid,
        userId: user.userId,
        verify: 1,
        punch: 0,
        deviceTime,
        workcode: 0,
      });
      await acked;
    }
  } finally {
    await poller.stop();
    await publisher.stop();
    await client.endAsync();
    await store.close();
    await sim.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const since = (at: Map<string, number>) =>
    [...sentAt].map(([t, sent]) => at.get(t)! - sent).sort((a, b) => a - b);
  const toStore = since(storedAt);
  const toPuback = since(pubackAt);
  const target = { name: `issue target ${TARGET_MS} ms`, value: TARGET_MS };
  return [
    figure('realtime: event frame → PunchEvent stored, p50', percentile(toStore, 50), 'ms', target),
    figure('realtime: event frame → PunchEvent stored, p99', percentile(toStore, 99), 'ms', target),
    figure('realtime: event frame → PunchEvent stored, max', toStore.at(-1)!, 'ms', target),
    figure('realtime: event frame → MQTT PUBACK, p50', percentile(toPuback, 50), 'ms'),
    figure('realtime: event frame → MQTT PUBACK, p99', percentile(toPuback, 99), 'ms'),
    figure('realtime: punches timed', toStore.length, 'punches'),
  ];
}
