/**
 * A gateway that moves to another broker while punches it sent to the first wait for their confirmation
 * (a broker replaced, a site repointed to another cloud): the new broker never heard of those, so they are
 * confirmed only once the gateway sends them again. Every punch must end confirmed and once in Frappe.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import t from 'tap';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/index.js';
import { spawnCli, stopCli } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const PUNCHES = 600;
const SECRET = 'move-secret';

interface GatewayStatus {
  confirm: { count: number; sent: number; confirmed: number };
}

t.test('punches sent to a broker the gateway leaves are all confirmed through the next one', async (t) => {
  const dir = tempDir(t);
  const sim = await startSimulator({
    records: PUNCHES,
    users: 20,
    serial: 'MOVE-1',
    logger: pino({ level: 'silent' }),
  });
  t.teardown(() => sim.stop());
  const listen = `127.0.0.1:${await freePort()}`;
  const status = async () => (await (await fetch(`http://${listen}/status`)).json()) as GatewayStatus;
  const siteConfig = (brokerUrl: string, confirmTimeoutS: number) => {
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      stringify({
        site: 'move',
        data_dir: join(dir, 'store'),
        broker: { url: brokerUrl },
        devices: [{ host: sim.host, port: sim.port, serial: 'MOVE-1', timezone: 'UTC', poll_interval_s: 1 }],
        publish: { confirm_timeout_s: confirmTimeoutS, resend_cap_s: 2 * confirmTimeoutS },
        ops: { listen },
      }),
    );
    return file;
  };

  // the first broker: a subscriber takes punches (so the broker acknowledges them) and confirms none
  const first = await Mosquitto.start();
  t.teardown(() => first.close());
  // a plain subscriber: it takes punches and confirms none
  const listener = await connectAsync(first.url, { protocolVersion: 5 });
  let taken = 0;
  listener.on('message', () => {
    taken++;
  });
  await listener.subscribeAsync('x05/v1/move/+/punch', { qos: 1 });
  // sent punches wait 10 s for a confirmation here, so they are still waiting when the gateway moves
  let gateway = spawnCli(['gateway', '--config', siteConfig(first.url, 10)]);
  t.teardown(() => stopCli(gateway, 'SIGKILL'));
  // it leaves after a few: what the broker acknowledged so far is sent, anything after finds no subscriber
  await until('the subscriber took some punches', () => taken >= 50);
  await listener.endAsync();
  let before: GatewayStatus | undefined;
  await until('the punches stored and the taken ones sent', async () => {
    before = await status().catch(() => undefined);
    return before?.confirm.count === PUNCHES && before.confirm.sent >= 50;
  });
  t.comment(`${before?.confirm.sent} sent to the first broker and unconfirmed, the rest queued`);
  t.equal(await stopCli(gateway), 0, 'the gateway stops cleanly');

  // the next broker, with a forwarder writing to Frappe
  const next = await Mosquitto.start();
  t.teardown(() => next.close());
  const frappe = await FrappeStandin.start({
    apiKey: 'move-key',
    apiSecret: SECRET,
    timeZone: 'UTC',
    employees: sim.device.users.map((u) => ({
      employee_name: `E ${u.userId}`,
      attendance_device_id: u.userId,
    })),
  });
  t.teardown(() => frappe.close());
  const cloud = join(dir, 'cloud.yaml');
  writeFileSync(
    cloud,
    stringify({
      broker: { url: next.url },
      frappe: { url: frappe.url, api_key: 'move-key', site_timezone: 'UTC' },
      ops: { listen: '127.0.0.1:0' },
    }),
  );
  const forwarder = spawnCli(['forwarder', '--config', cloud], { X05_FRAPPE_API_SECRET: SECRET });
  t.teardown(() => stopCli(forwarder, 'SIGKILL'));
  // short waits from here on, so the resends this is about happen within the test
  gateway = spawnCli(['gateway', '--config', siteConfig(next.url, 2)]);
  await until(
    'every punch confirmed',
    async () => (await status().catch(() => undefined))?.confirm.count === 0,
    60_000,
  ).catch((err) => {
    t.comment(`gateway: ${gateway.output().slice(-2000)}`);
    throw err;
  });
  const distinct = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  t.equal(frappe.checkins.length, distinct, 'one Checkin per punch');
  t.equal(frappe.rawLogs.length, distinct, 'one Raw Log per punch');
  t.equal(await stopCli(gateway), 0);
  t.equal(await stopCli(forwarder), 0);
});
