import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';

t.test(
  'x05-gateway demo runs every stage on loopback and prints the batches the forwarder would send',
  async (t) => {
    const r = await runCli(['demo', '--records', '20', '--users', '4', '--exit-when-done']);
    t.equal(r.code, 0, r.output.slice(-2000));
    const lines = r.output.split('\n');
    const docs = (doctype: string) =>
      lines
        .filter(
          (l) =>
            l.startsWith(`POST https://erp.example.com/api/method/frappe.client.insert_many [`) &&
            l.includes(` × ${doctype}] `),
        )
        .map((l) => Number(/\[(\d+) × /.exec(l)![1]));
    const checkins = docs('Employee Checkin');
    const rawLogs = docs('Attendance Raw Log');
    t.ok(checkins.length > 0 && checkins.every((n) => n <= 200), `Checkin batches ${checkins}`);
    t.equal(
      checkins.reduce((a, b) => a + b, 0),
      20,
      'every punch in a Checkin insert_many',
    );
    t.equal(
      rawLogs.reduce((a, b) => a + b, 0),
      20,
      'and in a Raw Log insert_many',
    );
    t.ok(lines.some((l) => l.startsWith('GET https://erp.example.com/api/resource/Attendance Raw Log?')));
    t.notOk(r.output.includes('add_log_based_on_employee_field'), 'no per-punch calls');
    t.match(r.output, /"msg":"demo: 20 punches went terminal → store → MQTT → forwarder \(dry run\)"/);
  },
);

t.test('demo with a Frappe URL but no credentials is bad usage', async (t) => {
  const r = await runCli(['demo', '--frappe-url', 'http://127.0.0.1:9', '--exit-when-done'], {
    X05_FRAPPE_API_SECRET: '',
  });
  t.equal(r.code, 2);
  t.match(r.output, /^error: --frappe-url needs --api-key and X05_FRAPPE_API_SECRET \[X05_USAGE\]$/m);
});

t.test('demo with a Frappe site writes the punches for real', async (t) => {
  const frappe = await FrappeStandin.start({
    apiKey: 'demo-key',
    apiSecret: 'demo-secret',
    timeZone: 'UTC',
    employees: ['1001', '1002', '1003', '1004'].map((id) => ({
      employee_name: `E${id}`,
      attendance_device_id: id,
    })),
  });
  t.teardown(() => frappe.close());
  const r = await runCli(
    [
      'demo',
      '--records',
      '20',
      '--users',
      '4',
      '--frappe-url',
      frappe.url,
      '--api-key',
      'demo-key',
      '--exit-when-done',
    ],
    { X05_FRAPPE_API_SECRET: 'demo-secret' },
  );
  t.equal(r.code, 0, r.output.slice(-2000));
  t.equal(frappe.checkins.length, 20);
  t.equal(frappe.rawLogs.filter((l) => l.status === 'Synced').length, 20);
  t.notMatch(r.output, /demo-secret/);
});
