import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { encodePunchEvent } from '../../src/payload/index.js';
import type { FrappeStandin, StandinOptions } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const USERS = Array.from({ length: 50 }, (_, i) => ({ userId: String(1001 + i) }));
// the client gives up after TIMEOUT; the worker commits after LATE: the retry's lookup runs in between
const TIMEOUT_MS = 150;
const LATE_MS = 300;
const WINDOW = 500;

function stream(n: number): PunchEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makePunchEvent({
      deviceId: 'X05-LATE',
      site: 'late',
      userId: USERS[i % USERS.length]!.userId,
      // one punch per user every 50 minutes: every (employee, time) distinct
      deviceTime: new Date(Date.UTC(2024, 4, 1) + i * 60_000).toISOString().slice(0, 19),
      timezone: 'Asia/Kolkata',
      punch: i % 2,
      verify: 1,
      source: 'pull',
      receivedAt: new Date('2024-06-01T00:00:00Z'),
      clockOffsetS: null,
      raw: '',
    }),
  );
}

interface Run {
  frappe: FrappeStandin;
  /** Checins per event id. */
  perPunch: Map<string, number>;
}

/**
 * Streams `n` punches through a forwarder while `faults` Checkin insert_many calls, spread over the stream,
 * commit LATE ms after they started — after the forwarder's client timed out and looked again.
 */
async function run(t: Test, n: number, faults: number, site: StandinOptions): Promise<Run> {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const frappe = await standinFor(t, USERS, site);
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    frappeTimeoutMs: TIMEOUT_MS,
    batchSize: 50,
    clientId: 'late-fwd',
    shareGroup: 'g-late',
    topic: 'x05/v1/late/+/punch',
    logger,
  });
  t.teardown(() => fwd.stop());
  // each fault waits for a Checkin insert that commits; spread so the last lands well before the end
  let injected = 0;
  const spread = Math.floor(n / (faults + 2));
  const injector = setInterval(() => {
    while (injected < faults && frappe.checkins.length >= injected * spread) {
      frappe.failNext(1, { commitAfterMs: LATE_MS, match: /insert_many/, body: /"Employee Checkin"/ });
      injected++;
    }
  }, 5);
  t.teardown(() => clearInterval(injector));
  const events = stream(n);
  const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'late-publisher' });
  t.teardown(() => publisher.endAsync());
  // at most WINDOW unconfirmed, as a gateway's confirm window keeps it: a stock Mosquitto queues 1,000
  // messages for a session and drops the rest
  for (let sent = 0; sent < n; sent++) {
    if (sent - fwd.stats.acked >= WINDOW) await until('room', () => sent - fwd.stats.acked < WINDOW, 60_000);
    await publisher.publishAsync('x05/v1/late/X05-LATE/punch', encodePunchEvent(events[sent]!), { qos: 1 });
  }
  await until(`${n} acknowledged`, () => fwd.stats.acked === n, 120_000);
  await until('every late commit landed', () => frappe.late.committed === frappe.late.started, 5_000);
  const perPunch = new Map<string, number>();
  for (const c of frappe.checkins) {
    const key = String(c.x05_event_id ?? `${c.employee}|${c.time}`);
    perPunch.set(key, (perPunch.get(key) ?? 0) + 1);
  }
  return { frappe, perPunch };
}

t.test('100 late commits over 5,000 punches: exactly one Checkin per punch', async (t) => {
  const { frappe, perPunch } = await run(t, 5000, 100, {});
  t.equal(frappe.late.started, 100, '100 inserts committed after the client gave up');
  const refusedByIndex = frappe.requests.filter((r) => r.path.endsWith('insert_many') && r.status === 417);
  t.ok(refusedByIndex.length > 0, `${refusedByIndex.length} retries refused by the unique index`);
  t.equal(frappe.rawLogs.length, 5000, 'one Raw Log per punch');
  t.equal(frappe.checkins.length, 5000, 'one Checkin per punch');
  t.equal(perPunch.size, 5000, 'each carries its own event id');
  t.ok(
    frappe.rawLogs.every((r) => r.status === 'Synced' && r.employee_checkin),
    'every Raw Log Synced and linked',
  );
  t.comment(
    `late commits ${frappe.late.started}, insert_many refused by the index ${refusedByIndex.length}, requests ${frappe.requests.length}`,
  );
});

t.test('the same faults on a site without the unique field: the lookup alone doubles punches', async (t) => {
  const { frappe, perPunch } = await run(t, 1000, 20, { withoutCheckinEventId: true });
  t.equal(frappe.late.started, 20);
  const doubled = [...perPunch.values()].filter((c) => c > 1).length;
  t.ok(doubled > 0, `${doubled} punches have two Checkins: what the unique index prevents`);
  t.comment(`without the index: ${frappe.checkins.length} Checkins for 1000 punches`);
});
