/**
 * Punches/s into the Frappe stand-in with a realistic per-request latency (default 20 ms, BENCH_FRAPPE_LATENCY_MS),
 * same run, same site:
 * - baseline: the sync tool's way (frappe §6): one POST add_log_based_on_employee_field per punch,
 *   one after another;
 * - ours: Mosquitto → forwarder with the batching writer (Raw Logs and Checkins by insert_many, status PUTs
 *   side by side), every punch ending as Raw Log Synced + one Employee Checkin.
 */
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { makePunchEvent, type PunchEvent } from '../src/event/index.js';
import { startForwarder } from '../src/forwarder/forwarder.js';
import { FrappeBatchWriter } from '../src/frappe/batch-writer.js';
import { FrappeClient } from '../src/frappe/client.js';
import { ADD_LOG_METHOD, planPunch } from '../src/frappe/punch-plan.js';
import { encodePunchEvent } from '../src/payload/index.js';
import { FrappeStandin } from '../test/helpers/frappe-standin.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { until } from '../test/helpers/until.js';
import { type BenchResult, figure } from './result.js';

const LATENCY_MS = Number(process.env.BENCH_FRAPPE_LATENCY_MS ?? 20);
const PUNCHES = Number(process.env.BENCH_FORWARDER_PUNCHES ?? 4000);
const BASELINE_PUNCHES = Number(process.env.BENCH_FORWARDER_BASELINE_PUNCHES ?? 200);
const USERS = 200;
const silent = pino({ level: 'silent' });

function punches(n: number, device: string, day: number): PunchEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makePunchEvent({
      deviceId: device,
      site: 'bench',
      userId: String(1000 + (i % USERS)),
      deviceTime: new Date(Date.UTC(2024, 4, day, 0, 0, 0) + i * 7_000).toISOString().slice(0, 19),
      timezone: 'UTC',
      punch: i % 2,
      verify: 1,
      source: 'pull',
      receivedAt: new Date('2024-05-02T00:00:00Z'),
      clockOffsetS: null,
      raw: '',
    }),
  );
}

export async function run(): Promise<BenchResult[]> {
  const broker = await Mosquitto.start();
  const frappe = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'UTC',
    latencyMs: LATENCY_MS,
    employees: Array.from({ length: USERS }, (_, i) => ({
      employee_name: `E ${1000 + i}`,
      attendance_device_id: String(1000 + i),
    })),
  });
  const client = new FrappeClient({ url: frappe.url, apiKey: 'k', apiSecret: 's', timeoutMs: 30_000 });
  try {
    // baseline: one request per punch, sequential
    let t0 = performance.now();
    for (const e of punches(BASELINE_PUNCHES, 'BASE-1', 1)) {
      await client.callMethod(ADD_LOG_METHOD, { ...planPunch(e, 'UTC', 'attendance_device_id').addLog });
    }
    const baseline = {
      name: `sync-tool way: 1 add_log POST per punch, sequential (${LATENCY_MS} ms latency)`,
      value: BASELINE_PUNCHES / ((performance.now() - t0) / 1000),
    };
    const before = frappe.checkins.length;

    // ours
    const forwarder = await startForwarder({
      brokerUrl: broker.url,
      clientId: 'bench-batch-forwarder',
      shareGroup: 'bench',
      topic: 'x05/v1/bench/+/punch',
      sessionExpiryS: 600,
      writer: new FrappeBatchWriter({ client, siteTimezone: 'UTC' }),
      logger: silent,
    });
    const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'bench-publisher' });
    const events = punches(PUNCHES, 'BENCH-1', 10);
    t0 = performance.now();
    await Promise.all(
      events.map((e) =>
        publisher.publishAsync('x05/v1/bench/BENCH-1/punch', encodePunchEvent(e), { qos: 1 }),
      ),
    );
    await until('every punch Synced', () => forwarder.stats.acked >= PUNCHES, 600_000, 5);
    const oursS = (performance.now() - t0) / 1000;
    await forwarder.stop();
    await publisher.endAsync();
    const synced = frappe.rawLogs.filter((r) => r.status === 'Synced').length;
    if (synced !== PUNCHES || frappe.checkins.length - before !== PUNCHES) {
      throw new Error(
        `bench forwarder: ${synced} Synced, ${frappe.checkins.length - before} Checkins of ${PUNCHES}`,
      );
    }
    const requests = frappe.requests.length;
    return [
      figure(baseline.name, baseline.value, 'punches/s'),
      figure(
        `forwarder: batches of 200 via insert_many (${LATENCY_MS} ms latency)`,
        PUNCHES / oursS,
        'punches/s',
        baseline,
      ),
      figure('forwarder: HTTP requests per punch', (requests - BASELINE_PUNCHES - 1) / PUNCHES, 'requests'),
    ];
  } finally {
    await frappe.close();
    await broker.close();
  }
}
