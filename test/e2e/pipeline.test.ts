import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { startSimulator } from '../../src/sim/index.js';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { PunchCollector } from '../helpers/collector.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const SECRET = 'e2e-secret-never-logged';

/** Device wall time in Berlin winter (UTC+1) → Kolkata (UTC+5:30): +4 h 30 min, computed independently. */
function berlinWinterToKolkata(deviceTime: string): string {
  const ms = Date.parse(`${deviceTime}Z`) + 4.5 * 3600_000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const logTypeOf = (punch: number) =>
  [0, 3, 4].includes(punch) ? 'IN' : [1, 2, 5].includes(punch) ? 'OUT' : null;

t.test(
  '2,000 punches from a simulated X05 become 2,000 Raw Logs and 2,000 Employee Checkins, once',
  async (t) => {
    const dir = tempDir(t);
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    // punches before 2024-03-10: Berlin is on winter time, so the expected site times are simple arithmetic
    const sim = await startSimulator({
      records: 2000,
      users: 50,
      serial: 'X05-E2E-0001',
      seed: 3,
      untilDate: '2024-03-10',
      logger: pino({ level: 'silent' }),
    });
    t.teardown(() => sim.stop());
    const frappe = await FrappeStandin.start({
      apiKey: 'e2e-key',
      apiSecret: SECRET,
      timeZone: 'Asia/Kolkata',
      employees: sim.device.users.map((u) => ({
        employee_name: `Employee ${u.userId}`,
        attendance_device_id: u.userId,
      })),
    });
    t.teardown(() => frappe.close());
    const collector = await PunchCollector.start(broker.url, 'x05/v1/+/+/status');
    t.teardown(() => collector.close());

    // the shipped example configs, pointed at the parts of this test
    const site = parse(readFileSync('config/site.example.yaml', 'utf8'));
    site.data_dir = join(dir, 'store');
    site.broker.url = broker.url;
    site.devices = [
      {
        ...site.devices[0],
        host: sim.host,
        port: sim.port,
        serial: 'X05-E2E-0001',
        timezone: 'Europe/Berlin',
        poll_interval_s: 1,
      },
    ];
    const cloud = parse(readFileSync('config/cloud.example.yaml', 'utf8'));
    cloud.broker.url = broker.url;
    cloud.frappe.url = frappe.url;
    cloud.frappe.api_key = 'e2e-key';
    // free ports, so other tests (and a gateway on this machine) never meet these
    site.ops = { listen: '127.0.0.1:0' };
    cloud.ops = { listen: '127.0.0.1:0' };
    writeFileSync(join(dir, 'site.yaml'), stringify(site));
    writeFileSync(join(dir, 'cloud.yaml'), stringify(cloud));

    const env = { X05_FRAPPE_API_SECRET: SECRET };
    const gateway = spawnCli(['gateway', '--config', join(dir, 'site.yaml')]);
    t.teardown(() => stopCli(gateway, 'SIGKILL'));
    let forwarder = spawnCli(['forwarder', '--config', join(dir, 'cloud.yaml')], env);
    t.teardown(() => stopCli(forwarder, 'SIGKILL'));

    const expected = new Map(sim.device.records.map((r) => [`${r.userId}|${r.deviceTime}|${r.punch}`, r]));
    const n = expected.size;
    t.ok(n > 1990, `${n} distinct punches on the terminal`);
    // the Raw Log turns Synced last (after its Checkin), so wait for that
    await until(
      'every Raw Log Synced',
      () => frappe.rawLogs.filter((l) => l.status === 'Synced').length >= n,
      240_000,
    ).catch((err) => {
      const synced = frappe.rawLogs.filter((l) => l.status === 'Synced').length;
      t.comment(`raw logs ${frappe.rawLogs.length} (synced ${synced}), checkins ${frappe.checkins.length}`);
      t.comment(`gateway: ${gateway.output().slice(-3000)}`);
      t.comment(`forwarder: ${forwarder.output().slice(-3000)}`);
      throw err;
    });

    const employeeByUser = new Map(
      frappe.employees.map((e) => [e.attendance_device_id as string, e.name as string]),
    );
    const byKey = new Map(frappe.checkins.map((c) => [`${c.employee}|${c.time}|${c.log_type ?? ''}`, c]));
    let matched = 0;
    for (const r of expected.values()) {
      const key = `${employeeByUser.get(r.userId)}|${berlinWinterToKolkata(r.deviceTime)}|${logTypeOf(r.punch) ?? ''}`;
      const c = byKey.get(key);
      if (c && c.device_id === 'X05-E2E-0001') matched++;
    }
    t.equal(matched, n, 'every punch is a Checkin with the right employee, site time, log_type and device');
    t.ok(
      frappe.rawLogs.every((l) => l.status === 'Synced' && l.employee_checkin),
      'every Raw Log is Synced and linked to its Checkin',
    );

    // the gateway keeps pulling the same log; then the forwarder restarts on its persistent session
    const pulls = () => (gateway.output().match(/"msg":"(pull|sync) done"/g) ?? []).length;
    const before = pulls();
    await until('two more pulls of the same log', () => pulls() >= before + 2, 30_000);
    t.equal(await stopCli(forwarder), 0, 'forwarder stops cleanly on SIGTERM');
    forwarder = spawnCli(['forwarder', '--config', join(dir, 'cloud.yaml')], env);
    await waitForOutput(forwarder, /"msg":"forwarder subscribed"/);
    await until('one more pull after the restart', () => pulls() >= before + 3, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    t.equal(frappe.rawLogs.length, n, 'still exactly one Raw Log per punch');
    t.equal(frappe.checkins.length, n, 'still exactly one Checkin per punch');

    await until(
      'retained device status',
      () => collector.retained.has('x05/v1/hq/X05-E2E-0001/status'),
      10_000,
    );
    t.match(JSON.parse(collector.retained.get('x05/v1/hq/X05-E2E-0001/status')!), {
      state: 'online',
      records: 2000,
    });
    t.equal(await stopCli(gateway), 0, 'gateway stops cleanly on SIGTERM');
    t.equal(await stopCli(forwarder), 0);
    t.notMatch(
      gateway.output() + forwarder.output(),
      new RegExp(SECRET),
      'the API secret never reaches a log',
    );
  },
);
