import { pino } from 'pino';
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const KILLS = 5;
const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });

t.test(`kill -9 of the gateway between PUBACK and confirmation, ${KILLS} times: nothing lost`, async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const sim = await startSimulator({ records: 2000, users: 40, serial: 'KILL-CONF', seed: 5, logger });
  t.teardown(() => sim.stop());
  const n = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  // a slow Frappe: confirmations lag the broker's PUBACKs by seconds, so every kill finds punches sent and
  // not yet confirmed
  const frappe = await standinFor(t, sim.device.users, { latencyMs: 150 });
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    clientId: 'kill-conf-fwd',
    shareGroup: 'g-kill-conf',
    topic: 'x05/v1/kill-conf/+/punch',
    logger,
    batchSize: 50,
  });
  t.teardown(() => fwd.stop());

  const listen = `127.0.0.1:${await freePort()}`;
  const config = writeSiteConfig({
    dir: tempDir(t),
    site: 'kill-conf',
    brokerUrl: broker.url,
    devices: [{ host: sim.host, port: sim.port, serial: 'KILL-CONF' }],
    extra: { ops: { listen }, publish: { confirm_timeout_s: 3, resend_cap_s: 6 } },
  });
  const unconfirmed = async () =>
    ((await (await fetch(`http://${listen}/status`)).json()) as { confirm: { count: number; sent: number } })
      .confirm;

  for (let i = 0; i < KILLS; i++) {
    const gw = spawnCli(['gateway', '--config', config]);
    await waitForOutput(gw, /"msg":"broker connected"/, 30_000);
    // punches the broker acknowledged and Frappe does not hold yet
    await until(
      'punches sent and awaiting confirmation',
      async () => (await unconfirmed().catch(() => ({ sent: 0 }))).sent > 0 || frappe.checkins.length >= n,
      30_000,
    );
    const before = await unconfirmed().catch(() => undefined);
    await stopCli(gw, 'SIGKILL');
    t.comment(
      `kill ${i + 1}: ${before?.sent ?? '?'} sent and unconfirmed, ${frappe.checkins.length} Checkins so far`,
    );
  }
  const gw = spawnCli(['gateway', '--config', config]);
  t.teardown(() => stopCli(gw, 'SIGKILL'));
  await waitForOutput(gw, /"msg":"broker connected"/, 30_000);
  await until('every punch in Frappe', () => frappe.checkins.length >= n, 120_000);
  await until('every punch confirmed', async () => (await unconfirmed()).count === 0, 60_000);
  t.equal(frappe.checkins.length, n, `exactly ${n} Checkins`);
  t.equal(new Set(frappe.checkins.map((c) => `${c.employee}|${c.time}`)).size, n, 'no punch twice');
  t.equal(frappe.rawLogs.length, n, `exactly ${n} Raw Logs`);
  const repeats = fwd.stats.received - n;
  t.ok(
    repeats >= 0,
    `${repeats} punches repeated on the wire only (${fwd.stats.received} received for ${n})`,
  );
  t.equal(await stopCli(gw), 0, 'the last gateway stops cleanly');
});
