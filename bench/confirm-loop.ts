/**
 * The confirmation loop's cost (bench/outbox.ts): the same punches from a full outbox through Mosquitto to a
 * forwarder (dry-run batching writer) with the gateway waiting for the forwarder's confirmations, against the
 * broker's PUBACK ending a punch's life on the gateway (`confirm: false`); and the time from a punch stored
 * to its confirmation at a realtime pace of 50 punches/s.
 *
 * Measured twice: with the forwarder in its own process (bench/forwarder-child.ts), as deployed — the
 * gateway on the site's machine, the forwarder in the cloud — and in the gateway's process (as the demo
 * runs it), where the gateway's confirmation work (decoding, dedup lookups, a synced delete per message)
 * shares one event loop with the forwarder's batches.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { PunchEvent } from '../src/event/punch-event.js';
import { startForwarder } from '../src/forwarder/forwarder.js';
import { dryRunWriter } from '../src/frappe/dry-run-writer.js';
import { type ConfirmPolicy, DEFAULT_CONFIRM } from '../src/publish/confirm-policy.js';
import { type Confirmable, ConfirmationListener } from '../src/publish/confirmations.js';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { PunchStore } from '../src/store/punch-store.js';
import { samplePunches } from '../test/helpers/events.js';
import type { Mosquitto } from '../test/helpers/mosquitto.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const silent = pino({ level: 'silent' });
const EVENTS = Number(process.env.BENCH_CONFIRM_EVENTS ?? process.env.BENCH_OUTBOX_EVENTS ?? 100_000);
/** Rounds of the two drains (BENCH_CONFIRM_ROUNDS); each figure is the best of its rounds. */
const ROUNDS = Number(process.env.BENCH_CONFIRM_ROUNDS ?? 1);
const LIVE = 500;
const LIVE_EVERY_MS = 20;
/** A sent punch waits 5 min for its confirmation, resends back off to 1 h; the rest as the gateway's default. */
const CONFIRM: ConfirmPolicy = {
  ...DEFAULT_CONFIRM,
  timeoutMs: 300_000,
  capMs: 3_600_000,
  window: Number(process.env.W ?? 1000),
};
/** Payload site and device = topic levels: the forwarder dead-letters a punch whose payload names others. */
const SITE = 'confirm';
const DEVICE = 'CONFIRM-1';

/** What the bench reads of a forwarder, wherever it runs. */
interface ForwarderCounts {
  stats: { acked: number; deadLettered: number };
  stop(): Promise<void>;
}

/** The dry run prints every request it would send: here, to nowhere. */
const discard = () =>
  new Writable({
    write(_chunk, _encoding, cb) {
      cb();
    },
  });

/** A fresh forwarder (own client id and share group) on the site's punches, in this process, dry run. */
async function forwarderHere(broker: Mosquitto, run: string): Promise<ForwarderCounts> {
  return startForwarder({
    brokerUrl: broker.url,
    clientId: `bench-confirm-${run}`,
    shareGroup: `bench-confirm-${run}`,
    topic: `x05/v1/${SITE}/+/punch`,
    // the session ends with the connection: a stopped run's share group must not queue the next run's punches
    sessionExpiryS: 0,
    writer: dryRunWriter({ url: 'http://frappe.invalid', siteTimezone: 'Asia/Kolkata', out: discard() }),
    logger: silent,
    unmappedRetryS: 0,
    retireAfterMs: 0,
  });
}

/** The same forwarder in its own process (bench/forwarder-child.ts), as production runs it. */
async function forwarderApart(broker: Mosquitto, run: string): Promise<ForwarderCounts> {
  const child = fork(
    fileURLToPath(new URL('./forwarder-child.ts', import.meta.url)),
    [broker.url, `bench-confirm-${run}`, `x05/v1/${SITE}/+/punch`],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const stats = { acked: 0, deadLettered: 0 };
  child.on('message', (m) => Object.assign(stats, m));
  // the first report comes once it has subscribed
  await new Promise((resolve) => child.once('message', resolve));
  return {
    stats,
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

/** The gateway's broker connection (src/app/gateway.ts): MQTT 5, a persistent session for confirmations. */
function gatewayClient(broker: Mosquitto, run: string): MqttClient {
  return mqtt.connect(broker.url, {
    clientId: `bench-confirm-gateway-${run}`,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 0 },
    reconnectPeriod: 1000,
    writeCache: false,
  });
}

function connected(client: MqttClient): Promise<void> {
  return client.connected
    ? Promise.resolve()
    : new Promise((resolve) => client.once('connect', () => resolve()));
}

/** The store's confirm, noting when each id's removal was written. */
function timedConfirm(store: PunchStore, confirmedAt: Map<string, number>): Confirmable {
  return {
    async confirm(ids, belongs) {
      const r = await store.confirm(ids, belongs);
      const t = performance.now();
      for (const id of ids) if (!confirmedAt.has(id)) confirmedAt.set(id, t);
      return r;
    },
  };
}

/** A gateway (store, publisher, MQTT 5 client, listener) and a forwarder, all fresh, for one measurement. */
interface Loop {
  store: PunchStore;
  publisher: OutboxPublisher;
  forwarder: ForwarderCounts;
  listener: ConfirmationListener | undefined;
  /** performance.now() when each id's removal by a confirmation was written. */
  confirmedAt: Map<string, number>;
}

/** Runs `measure` on a fresh loop (own store, client id and share group) and tears it down after. */
async function onFreshLoop<T>(
  broker: Mosquitto,
  dir: string,
  run: string,
  confirm: boolean,
  apart: boolean,
  measure: (loop: Loop) => Promise<T>,
): Promise<T> {
  const store = await PunchStore.open(mkdtempSync(join(dir, `confirm-${run}-`)));
  const forwarder = await (apart ? forwarderApart : forwarderHere)(broker, run);
  const client = gatewayClient(broker, run);
  const confirmedAt = new Map<string, number>();
  // before the connection completes, as the gateway does, so the subscription goes out on connect
  const listener = confirm
    ? new ConfirmationListener(client, timedConfirm(store, confirmedAt), SITE, silent)
    : undefined;
  const publisher = new OutboxPublisher({
    client,
    outbox: store,
    site: SITE,
    logger: silent,
    confirm: confirm ? CONFIRM : false,
    maxRate: 0,
  });
  try {
    await connected(client);
    return await measure({ store, publisher, forwarder, listener, confirmedAt });
  } finally {
    await publisher.stop();
    await forwarder.stop();
    await client.endAsync(true);
    await store.close();
  }
}

/**
 * Events/s from a full outbox: until every punch is confirmed (with a listener) or acknowledged by the
 * forwarder (without).
 */
async function drainRate(loop: Loop, events: PunchEvent[]): Promise<number> {
  const { store, publisher, forwarder, listener } = loop;
  await store.accept(events);
  const t0 = performance.now();
  publisher.start();
  if (listener) await until('every punch confirmed', () => store.outboxDepth === 0, 600_000, 5);
  else await until('every punch at the forwarder', () => forwarder.stats.acked >= events.length, 600_000, 5);
  const rate = events.length / ((performance.now() - t0) / 1000);
  const { acked, deadLettered } = forwarder.stats;
  if (acked !== events.length || deadLettered > 0)
    throw new Error(
      `bench confirm-loop: forwarder acked ${acked}, dead-lettered ${deadLettered} of ${events.length}`,
    );
  if (listener && listener.stats.confirmed !== events.length)
    throw new Error(`bench confirm-loop: ${listener.stats.confirmed} of ${events.length} confirmed`);
  return rate;
}

/** Realtime pace: one punch every 20 ms; ms from its accept resolving to its removal by a confirmation, sorted. */
async function liveLatencies(loop: Loop): Promise<number[]> {
  const { store, publisher, confirmedAt } = loop;
  publisher.start();
  const live = samplePunches(LIVE, DEVICE, SITE, 10_000_000);
  const stored = new Map<string, number>();
  for (const e of live) {
    await store.accept([e]);
    stored.set(e.id, performance.now());
    await new Promise((r) => setTimeout(r, LIVE_EVERY_MS));
  }
  await until('live punches confirmed', () => live.every((e) => confirmedAt.has(e.id)), 60_000);
  return live.map((e) => confirmedAt.get(e.id)! - stored.get(e.id)!).sort((a, b) => a - b);
}

const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

export async function confirmLoop(broker: Mosquitto, dir: string): Promise<BenchResult[]> {
  const events = samplePunches(EVENTS, DEVICE, SITE);
  const results: BenchResult[] = [];
  // the forwarder in its own process (as deployed) and in the gateway's (the demo's way, one event loop)
  for (const [apart, where] of [
    [true, 'forwarder in its own process'],
    [false, 'forwarder in the same process'],
  ] as const) {
    // without and with alternate; the best of each counts (other load on the machine only ever slows a pass)
    let without = 0;
    let withConfirm = 0;
    for (let r = 1; r <= ROUNDS; r++) {
      const tag = `${apart ? 'apart' : 'here'}-${r}`;
      without = Math.max(
        without,
        await onFreshLoop(broker, dir, `without-${tag}`, false, apart, (l) => drainRate(l, events)),
      );
      withConfirm = Math.max(
        withConfirm,
        await onFreshLoop(broker, dir, `with-${tag}`, true, apart, (l) => drainRate(l, events)),
      );
    }
    const baseline = {
      name: `outbox → forwarder without confirmation (PUBACK removes; dry-run writer; ${where})`,
      value: without,
    };
    results.push(
      figure(baseline.name, without, 'events/s'),
      figure(
        `outbox → forwarder with confirmation (until every punch is confirmed; dry-run writer; ${where})`,
        withConfirm,
        'events/s',
        baseline,
      ),
    );
  }
  const lat = await onFreshLoop(broker, dir, 'live', true, true, liveLatencies);
  results.push(
    figure(
      'store → confirmed latency p50 at 50 punches/s (forwarder in its own process)',
      at(lat, 0.5),
      'ms',
    ),
    figure(
      'store → confirmed latency p99 at 50 punches/s (forwarder in its own process)',
      at(lat, 0.99),
      'ms',
    ),
  );
  return results;
}
