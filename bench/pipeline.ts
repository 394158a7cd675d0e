/**
 * The whole path for one batch of punches, in one process: simulator → pull → LevelDB → Mosquitto (QoS 1)
 * → forwarder → Frappe stand-in, written by the batching writer production uses (FrappeBatchWriter: per
 * batch of ≤ 200 a Raw Log lookup, employee and Checkin lookups, then insert_many of the Checkins and of
 * the Raw Logs). Figures: end-to-end punches/s, and the stages alone (download, store, publish) to see
 * which one bounds the path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { startGateway } from '../src/app/gateway.js';
import { SiteConfigSchema } from '../src/config/schema.js';
import { pullDevice } from '../src/device/pull.js';
import { startForwarder } from '../src/forwarder/forwarder.js';
import { FrappeBatchWriter } from '../src/frappe/batch-writer.js';
import { FrappeClient } from '../src/frappe/client.js';
import { OutboxPublisher } from '../src/publish/outbox-publisher.js';
import { startSimulator } from '../src/sim/server.js';
import { PunchStore } from '../src/store/punch-store.js';
import { FrappeStandin } from '../test/helpers/frappe-standin.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { employeesOf } from '../test/helpers/standin-forwarder.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const PUNCHES = Number(process.env.BENCH_PIPELINE_PUNCHES ?? 5000);
const silent = pino({ level: 'silent' });

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-'));
  const broker = await Mosquitto.start();
  const sim = await startSimulator({
    records: PUNCHES,
    users: 200,
    serial: 'BENCH-0001',
    seed: 11,
    logger: silent,
  });
  const frappe = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'UTC',
    employees: employeesOf(sim.device.users),
  });
  try {
    // stages alone
    let t0 = performance.now();
    const pulled = await pullDevice({
      host: sim.host,
      port: sim.port,
      site: 'bench',
      timezone: 'UTC',
      timeoutMs: 10_000,
    });
    const downloadS = (performance.now() - t0) / 1000;
    const n = pulled.events.length;

    const store = await PunchStore.open(join(dir, 'stage'));
    t0 = performance.now();
    await store.accept(pulled.events);
    const storeS = (performance.now() - t0) / 1000;

    const client = await mqtt.connectAsync(broker.url);
    const publisher = new OutboxPublisher({
      confirm: false,
      client,
      outbox: store,
      site: 'bench-stage',
      logger: silent,
    });
    t0 = performance.now();
    publisher.start();
    await until('an empty outbox', () => store.outboxDepth === 0, 600_000, 5);
    const publishS = (performance.now() - t0) / 1000;
    await publisher.stop();
    await client.endAsync();
    await store.close();

    // the whole path, batched as `x05-gateway forwarder` does (batch size and linger at their defaults)
    const writer = new FrappeBatchWriter({
      client: new FrappeClient({ url: frappe.url, apiKey: 'k', apiSecret: 's', timeoutMs: 10_000 }),
      siteTimezone: 'UTC',
    });
    const forwarder = await startForwarder({
      brokerUrl: broker.url,
      clientId: 'bench-forwarder',
      shareGroup: 'bench',
      topic: 'x05/v1/bench/+/punch',
      sessionExpiryS: 600,
      writer,
      logger: silent,
    });
    t0 = performance.now();
    const gateway = await startGateway(
      SiteConfigSchema.parse({
        site: 'bench',
        data_dir: join(dir, 'gateway'),
        broker: { url: broker.url },
        devices: [
          { host: sim.host, port: sim.port, timezone: 'UTC', poll_interval_s: 3600, timeout_ms: 10_000 },
        ],
        ops: { listen: null },
        log_level: 'fatal',
      }),
      silent,
    );
    await until('every Checkin', () => frappe.checkins.length >= n, 600_000, 5);
    const endToEndS = (performance.now() - t0) / 1000;
    await gateway.stop();
    await forwarder.stop();

    const e2e = { name: 'pipeline: terminal → Frappe Checkin', value: n / endToEndS };
    return [
      figure(e2e.name, e2e.value, 'punches/s'),
      figure('stage: download (buffered read + decode)', n / downloadS, 'punches/s', e2e),
      figure('stage: store (one synced LevelDB batch)', n / storeS, 'punches/s', e2e),
      figure('stage: publish (QoS 1 to Mosquitto, PUBACK, outbox delete)', n / publishS, 'punches/s', e2e),
      figure('pipeline: punches', n, 'punches'),
    ];
  } finally {
    await sim.stop();
    await frappe.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
