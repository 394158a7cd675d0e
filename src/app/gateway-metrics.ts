import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DeviceStatus } from '../device/index.js';
import type { PushCounters } from '../push/index.js';
import type { DeviceIntake } from '../store/index.js';
import { CounterMirror, mirrorCounts } from './counter-mirror.js';

/** What the gateway knows of one terminal: its last status from the device poller. */
export type DeviceGauge = Pick<DeviceStatus, 'device' | 'state' | 'last_sync' | 'clock_offset_s'>;

/** What the store counted of one terminal (store/punch-store.ts owns the figures). */
export type DeviceCounts = Pick<DeviceIntake, 'stored' | 'duplicates' | 'implausible' | 'lastStoredAt'>;

/** The push receiver's counters that become metrics. */
export type PushCounts = Pick<
  PushCounters,
  'requests' | 'refused' | 'tooLarge' | 'lines' | 'rejected' | 'usersDropped'
>;

/** Live state a gateway exposes; read at scrape time, so nothing is counted twice or kept stale. */
/** The confirmation loop's counters. */
export interface ConfirmationCounts {
  confirmed: number;
  unknown: number;
  foreign: number;
  invalid: number;
  resent: number;
}

export interface GatewaySources {
  site: string;
  queued(): number;
  unconfirmed(): Promise<{ devices: ReadonlyArray<{ device: string; count: number; oldest_s: number }> }>;
  confirmations(): Readonly<ConfirmationCounts>;
  intake(): ReadonlyMap<string, Readonly<DeviceCounts>>;
  published(): { published: number; inFlight: number };
  brokerConnected(): boolean;
  devices(): Iterable<DeviceGauge>;
  disk(): Promise<{ storeBytes: number; freeBytes: number; low: boolean }>;
  /** True while LevelDB writes fail and the store has not reopened yet. */
  writeFailing(): boolean;
  push?(): Readonly<PushCounts>;
}

/**
 * Prometheus metrics of one gateway process (docs/operations.md). prom-client reads metrics in the order
 * they were registered, so the first metric of each group refreshes the whole group before it is read.
 */
export function gatewayRegistry(src: GatewaySources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new CounterMirror(new Counter({ name, help, labelNames, registers: [registry] }));

  let refresh = () => {};
  new Gauge({
    name: 'x05_outbox_depth',
    help: 'Punches stored and not yet confirmed by the forwarder (queued for the broker, or sent)',
    registers: [registry],
    collect() {
      this.set(src.queued());
      refresh();
    },
  });
  const inFlight = gauge('x05_publish_in_flight', 'Publishes sent and waiting for PUBACK');
  const published = counter(
    'x05_punches_published_total',
    'Punches acknowledged by the broker (PUBACK), first sends and resends',
  );
  const resent = counter(
    'x05_punches_resent_total',
    'Punches published again because their confirmation did not come in time',
  );
  const confirmed = counter(
    'x05_punches_confirmed_total',
    'Punches the forwarder confirmed (Frappe holds them) and the outbox let go',
  );
  const ignored = counter(
    'x05_confirmations_ignored_total',
    'Confirmed ids or messages ignored: unknown id, another device or site, malformed message',
    ['reason'],
  );
  const broker = gauge('x05_broker_connected', '1 while the MQTT connection is up');
  const writeFailing = gauge(
    'x05_store_write_failing',
    '1 while LevelDB writes fail (e.g. a full disk) and new punches are refused; 0 once the store has reopened',
  );
  const stored = counter('x05_punches_stored_total', 'New punches durably stored, by terminal serial', [
    'device',
  ]);
  const duplicates = counter(
    'x05_punches_duplicate_total',
    'Punches read again and dropped as already stored, by terminal serial',
    ['device'],
  );
  const implausible = counter(
    'x05_punches_implausible_total',
    'Stored punches whose time cannot be real (impossible date, before time.min, past time.max_future_s): the forwarder parks them',
    ['device'],
  );
  const lastStored = gauge(
    'x05_device_last_punch_stored_timestamp_seconds',
    'Gateway time the newest punch of a terminal was stored',
    ['device'],
  );
  const up = gauge('x05_device_up', '1 when the last sync with the terminal succeeded', ['device']);
  const lastSync = gauge('x05_device_last_sync_timestamp_seconds', 'Time of the last sync attempt', [
    'device',
  ]);
  const offset = gauge(
    'x05_device_clock_offset_seconds',
    'Terminal clock minus gateway clock at the last sync',
    ['device'],
  );
  refresh = () => {
    const p = src.published();
    published.set(p.published);
    const c = src.confirmations();
    resent.set(c.resent);
    confirmed.set(c.confirmed);
    ignored.set(c.unknown, { reason: 'unknown' });
    ignored.set(c.foreign, { reason: 'foreign' });
    ignored.set(c.invalid, { reason: 'invalid' });
    inFlight.set(p.inFlight);
    broker.set(src.brokerConnected() ? 1 : 0);
    writeFailing.set(src.writeFailing() ? 1 : 0);
    for (const [device, c] of src.intake()) {
      stored.set(c.stored, { device });
      duplicates.set(c.duplicates, { device });
      implausible.set(c.implausible, { device });
      if (c.lastStoredAt !== undefined) lastStored.set({ device }, c.lastStoredAt / 1000);
    }
    for (const d of src.devices()) {
      up.set({ device: d.device }, d.state === 'online' ? 1 : 0);
      lastSync.set({ device: d.device }, Date.parse(d.last_sync) / 1000);
      if (d.clock_offset_s !== null) offset.set({ device: d.device }, d.clock_offset_s);
    }
  };

  // prom-client collects metrics side by side: gauges that share one read each await it themselves (one
  // setting another would be read before it was set, e.g. a free-space 0 on the first scrape)
  const asyncGauge = <T>(
    name: string,
    help: string,
    read: () => Promise<T>,
    fill: (g: Gauge, value: T) => void,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        fill(this, await read());
      },
    });
  const unconfirmedRows = oneReadPerScrape(async () => {
    const u = await src.unconfirmed();
    // every terminal the gateway knows has a series, 0 once all its punches are confirmed
    const rows = new Map<string, { count: number; oldest_s: number }>();
    for (const d of src.devices()) rows.set(d.device, { count: 0, oldest_s: 0 });
    for (const device of src.intake().keys()) rows.set(device, { count: 0, oldest_s: 0 });
    for (const d of u.devices) rows.set(d.device, d);
    return rows;
  });
  const perDevice =
    (pick: (d: { count: number; oldest_s: number }) => number) =>
    (g: Gauge, rows: Map<string, { count: number; oldest_s: number }>) => {
      g.reset();
      for (const [device, d] of rows) g.set({ site: src.site, device }, pick(d));
    };
  asyncGauge(
    'x05_unconfirmed_punches',
    'Punches of a terminal not yet confirmed by the forwarder (sum by site for the site)',
    unconfirmedRows,
    perDevice((d) => d.count),
    ['site', 'device'],
  );
  asyncGauge(
    'x05_oldest_unconfirmed_seconds',
    'How long the oldest unconfirmed punch of a terminal has waited (max by site for the site)',
    unconfirmedRows,
    perDevice((d) => d.oldest_s),
    ['site', 'device'],
  );
  const disk = oneReadPerScrape(src.disk);
  asyncGauge('x05_store_bytes', 'Bytes used by the LevelDB store', disk, (g, d) => g.set(d.storeBytes));
  asyncGauge('x05_disk_free_bytes', 'Free bytes on the filesystem of the data dir', disk, (g, d) =>
    g.set(d.freeBytes),
  );
  asyncGauge(
    'x05_disk_low',
    '1 while free space is under store.min_free_mb and new punches are refused',
    disk,
    (g, d) => g.set(d.low ? 1 : 0),
  );
  if (src.push) registerPush(registry, src.push);
  return registry;
}

/** `read` at most once at a time: the callers of one scrape share its answer. */
function oneReadPerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let reading: Promise<T> | undefined;
  return () => {
    if (reading) return reading;
    const r = read();
    reading = r;
    const clear = () => {
      if (reading === r) reading = undefined;
    };
    r.then(clear, clear);
    return r;
  };
}

function registerPush(registry: Registry, counts: () => Readonly<PushCounts>): void {
  // registered first: prom-client reads in registration order, so this refreshes the counters below
  new Gauge({
    name: 'x05_push_enabled',
    help: '1 when the iclock push receiver runs',
    registers: [registry],
    collect() {
      this.set(1);
      mirror(counts());
    },
  });
  const mirror = mirrorCounts<keyof PushCounts>(registry, {
    requests: ['x05_push_requests_total', 'HTTP requests from push terminals'],
    refused: [
      'x05_push_refused_total',
      'Push requests refused (unknown serial, no SN, wrong or missing token, address not allowed): answered 403 and stored nowhere',
    ],
    tooLarge: ['x05_push_too_large_total', 'Push bodies over the size limit (413)'],
    lines: ['x05_push_lines_total', 'ATTLOG lines received from push terminals'],
    rejected: ['x05_push_lines_rejected_total', 'ATTLOG lines that could not be parsed'],
    usersDropped: [
      'x05_push_users_dropped_total',
      'OPERLOG/USERINFO user rows not kept: past the per-terminal bound',
    ],
  });
}
