import { pino } from 'pino';
import t, { type Test } from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import type { Forwarder } from '../../src/forwarder/index.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import type { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

// A stock Mosquitto (no queue override, no persistence) and the promise: every punch the terminal holds
// becomes exactly one Checkin, whatever the start order, the broker's queue limit, stale forwarder
// sessions or a broker that forgets everything.
const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const CONFIRM_TIMEOUT_S = 3;

let broker: Mosquitto;
t.before(async () => {
  broker = await Mosquitto.start();
});
t.teardown(() => broker.close());

async function terminal(t: Test, serial: string, records: number): Promise<{ sim: Simulator; n: number }> {
  const sim = await startSimulator({ records, users: 40, serial, seed: records, logger });
  t.teardown(() => sim.stop());
  const n = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  return { sim, n };
}

async function frappeFor(t: Test, sim: Simulator): Promise<FrappeStandin> {
  return standinFor(t, sim.device.users);
}

async function gateway(t: Test, site: string, sim: Simulator, publish: Record<string, unknown> = {}) {
  const gw = await startGateway(
    SiteConfigSchema.parse({
      site,
      data_dir: tempDir(t),
      broker: { url: broker.url },
      devices: [
        { host: sim.host, port: sim.port, serial: sim.device.serial, timezone: 'UTC', poll_interval_s: 1 },
      ],
      publish: { confirm_timeout_s: CONFIRM_TIMEOUT_S, resend_cap_s: 2 * CONFIRM_TIMEOUT_S, ...publish },
      ops: { listen: null },
    }),
    logger,
  );
  t.teardown(() => gw.stop());
  return gw;
}

async function forwarder(
  t: Test,
  site: string,
  instance: string,
  frappe: FrappeStandin,
  retireAfterMs = 0,
): Promise<Forwarder> {
  const f = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    clientId: instance,
    shareGroup: `g-${site}`,
    topic: `x05/v1/${site}/+/punch`,
    sessionExpiryS: 3600,
    logger,
    retireAfterMs,
  });
  // stopped by the test or, at the latest, by the teardown; once
  const stop = f.stop.bind(f);
  let stopping: Promise<void> | undefined;
  f.stop = () => {
    stopping ??= stop();
    return stopping;
  };
  t.teardown(() => f.stop());
  return f;
}

/** Exactly one Checkin per punch: as many Checkins as punches, no (employee, time, log_type) twice. */
function exactlyOnce(t: Test, frappe: FrappeStandin, n: number): void {
  const keys = new Set(frappe.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type ?? ''}`));
  t.equal(frappe.checkins.length, n, `${n} Checkins`);
  t.equal(keys.size, n, 'no punch twice');
  t.equal(frappe.rawLogs.length, n, `${n} Raw Logs`);
}

t.test('(a) the gateway publishes before any forwarder ever subscribed: nothing is lost', async (t) => {
  const { sim, n } = await terminal(t, 'CONF-A', 1200);
  const frappe = await frappeFor(t, sim);
  const gw = await gateway(t, 'conf-a', sim);
  await until('every punch stored', () => gw.store.intakeByDevice.get('CONF-A')?.stored === n, 30_000);
  await until(
    'the broker answered "no matching subscribers"',
    () => gw.publisher.stats.noSubscriber > 0,
    10_000,
  );
  t.equal(gw.store.queuedCount, n, 'none counts as delivered: all stay queued');
  t.equal(gw.publisher.stats.published, 0);

  await forwarder(t, 'conf-a', 'conf-a-1', frappe);
  await until('every punch confirmed', () => gw.store.outboxDepth === 0, 60_000);
  exactlyOnce(t, frappe, n);
  t.equal(gw.confirmations?.stats.confirmed, n, 'each punch confirmed once');
});

t.test('(b) the forwarder is down while more punches than the broker queues arrive', async (t) => {
  const { sim, n } = await terminal(t, 'CONF-B', 2000);
  const frappe = await frappeFor(t, sim);
  // connected once, so its session (and place in the share) exists; then down
  await (await forwarder(t, 'conf-b', 'conf-b-1', frappe)).stop();
  // nothing here needs a resend, and a slow loaded machine must not make one look needed
  const gw = await gateway(t, 'conf-b', sim, { confirm_timeout_s: 120, resend_cap_s: 240 });
  // the confirmation window (1,000 by default): no more go out unconfirmed, the rest wait on disk rather
  // than overflowing the broker's queue for the absent forwarder (1,000 messages in a stock Mosquitto)
  await until('a window of punches sent', () => gw.store.sentAwaitingConfirmation === 1000, 30_000);
  await until('every punch stored', () => gw.store.intakeByDevice.get('CONF-B')?.stored === n, 30_000);
  t.equal(gw.store.queuedCount, n - 1000, 'the rest wait on disk');
  t.equal(frappe.checkins.length, 0, 'nothing written yet');

  await forwarder(t, 'conf-b', 'conf-b-1', frappe);
  await until('every punch confirmed', () => gw.store.outboxDepth === 0, 90_000);
  exactlyOnce(t, frappe, n);
  t.equal(gw.publisher.stats.resent, 0, 'the broker kept what it was given: nothing had to be sent again');
});

t.test("(b') a window larger than the broker's queue: what the broker drops is sent again", async (t) => {
  const { sim, n } = await terminal(t, 'CONF-B2', 2000);
  const frappe = await frappeFor(t, sim);
  await (await forwarder(t, 'conf-b2', 'conf-b2-1', frappe)).stop();
  const gw = await gateway(t, 'conf-b2', sim, { confirm_window: 5000 });
  await until(
    'every punch acknowledged by the broker',
    () => gw.store.sentAwaitingConfirmation === n,
    30_000,
  );

  await forwarder(t, 'conf-b2', 'conf-b2-1', frappe);
  await until('every punch confirmed', () => gw.store.outboxDepth === 0, 90_000);
  exactlyOnce(t, frappe, n);
  t.ok(
    gw.publisher.stats.resent >= n - 1000,
    `the ${n - 1000} the broker dropped past its queue were sent again (${gw.publisher.stats.resent} resends)`,
  );
});

t.test(
  '(c) stale forwarder instances in the share: all punches within the confirmation timeout and a margin',
  async (t) => {
    const { sim, n } = await terminal(t, 'CONF-C', 1000);
    const frappe = await frappeFor(t, sim);
    for (const i of [1, 2, 3]) await (await forwarder(t, 'conf-c', `conf-c-old-${i}`, frappe)).stop();
    const live = await forwarder(t, 'conf-c', 'conf-c-live', frappe, 1000);
    const started = Date.now();
    const gw = await gateway(t, 'conf-c', sim);
    await until('every punch stored', () => gw.store.intakeByDevice.get('CONF-C')?.stored === n, 30_000);
    await until('every punch confirmed', () => gw.store.outboxDepth === 0, 60_000);
    const seconds = (Date.now() - started) / 1000;
    exactlyOnce(t, frappe, n);
    t.ok(
      gw.publisher.stats.resent > 0,
      `punches the stale sessions took were sent again (${gw.publisher.stats.resent})`,
    );
    t.ok(seconds < 3 * CONFIRM_TIMEOUT_S + 10, `all written in ${seconds.toFixed(1)} s`);
    t.ok(live.stats.received >= n, 'the live instance received every punch');
  },
);

t.test('(d) the broker restarts without persistence mid-stream: nothing is lost', async (t) => {
  const { sim, n } = await terminal(t, 'CONF-D', 1200);
  const frappe = await frappeFor(t, sim);
  const gw = await gateway(t, 'conf-d', sim);
  await forwarder(t, 'conf-d', 'conf-d-1', frappe);
  await until('every punch stored', () => gw.store.intakeByDevice.get('CONF-D')?.stored === n, 30_000);
  await until('some written', () => frappe.checkins.length >= 200, 30_000);
  await broker.stop();
  await broker.start();
  await until('every punch confirmed', () => gw.store.outboxDepth === 0, 90_000);
  exactlyOnce(t, frappe, n);
});
