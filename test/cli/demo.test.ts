import { once } from 'node:events';
import t from 'tap';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';

t.test('npm start: the README figures, a line per stage with counts and times, exit 0', async (t) => {
  const r = await runCli(['demo']);
  t.equal(r.code, 0, r.output.slice(-2000));
  const lines = r.stdout.trimEnd().split('\n');
  t.ok(
    lines.every((l) => l.length <= 300),
    `no stdout line over 300 characters (longest ${Math.max(...lines.map((l) => l.length))})`,
  );
  t.ok(lines.length <= 10, `a short summary: ${lines.length} lines`);
  t.match(r.stdout, /terminal +2,000 punches of 50 users/);
  for (const stage of ['store', 'MQTT', 'forwarder', 'Frappe', 'confirmed'])
    t.match(r.stdout, new RegExp(`^  ${stage} +2,000 .* \\d+\\.\\d s$`, 'm'), `${stage}: count and time`);
  t.match(r.stdout, /Frappe +2,000 Checkins \+ Raw Logs, \d+ batches, dry run: not sent/);
  t.match(r.stdout, /^done: 2,000 punches through every stage in \d+\.\d s$/m);
  t.notMatch(r.output, /"level":/, 'no log line when nothing goes wrong');
});

t.test('--verbose prints the batches the forwarder would send', async (t) => {
  const r = await runCli(['demo', '--records', '20', '--users', '4', '--verbose']);
  t.equal(r.code, 0, r.output.slice(-2000));
  const lines = r.stdout.split('\n');
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
  t.match(r.stdout, /^done: 20 punches through every stage/m);
  t.match(r.output, /"msg":"demo parts started"/, 'info logs');
});

t.test('--follow keeps running after the summary and says how to stop', async (t) => {
  const demo = spawnCli(['demo', '--records', '20', '--users', '4', '--follow']);
  t.teardown(() => demo.kill('SIGKILL'));
  await waitForOutput(demo, /Ctrl-C to stop/, 60_000);
  t.match(demo.stdout(), /^done: 20 punches/m);
  t.match(demo.stdout(), /status page http:\/\/127\.0\.0\.1:\d+/);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(demo.exitCode, null, 'still running');
  demo.kill('SIGINT');
  const [code] = await once(demo, 'exit');
  t.equal(code, 0, 'Ctrl-C stops it cleanly');
});

t.test('demo with a Frappe URL but no credentials is bad usage', async (t) => {
  const r = await runCli(['demo', '--frappe-url', 'http://127.0.0.1:9'], { X05_FRAPPE_API_SECRET: '' });
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
    ['demo', '--records', '20', '--users', '4', '--frappe-url', frappe.url, '--api-key', 'demo-key'],
    { X05_FRAPPE_API_SECRET: 'demo-secret' },
  );
  t.equal(r.code, 0, r.output.slice(-2000));
  t.equal(frappe.checkins.length, 20);
  t.equal(frappe.rawLogs.filter((l) => l.status === 'Synced').length, 20);
  t.notMatch(r.output, /demo-secret/);
  t.match(r.stdout, new RegExp(`Frappe +20 Checkins and their Raw Logs written to ${frappe.url}`));
});
