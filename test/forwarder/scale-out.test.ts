import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import t from 'tap';
import { stringify } from 'yaml';
import { makePunchEvent } from '../../src/event/index.js';
import { encodePunchEvent } from '../../src/payload/index.js';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { until } from '../helpers/until.js';

const N = 1000;
const USERS = Array.from({ length: 20 }, (_, i) => String(100 + i));

t.test(
  'two forwarder processes share the punches; one SIGKILLed mid-batch and restarted: no loss, no doubles',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'x05-scale-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const frappe = await FrappeStandin.start({
      apiKey: 'k',
      apiSecret: 's',
      timeZone: 'Asia/Kolkata',
      latencyMs: 10,
      employees: USERS.map((u) => ({ employee_name: `E ${u}`, attendance_device_id: u })),
    });
    t.teardown(() => frappe.close());
    const config = (clientId: string) => {
      const file = join(dir, `${clientId}.yaml`);
      writeFileSync(
        file,
        stringify({
          broker: { url: broker.url, client_id: clientId, session_expiry_s: 600 },
          share_group: 'scale',
          topic: 'x05/v1/scale/+/punch',
          frappe: { url: frappe.url, api_key: 'k', site_timezone: 'Asia/Kolkata' },
          forwarder: { batch_size: 50, linger_ms: 10 },
          // two forwarders on one machine: each its own ops port
          ops: { listen: '127.0.0.1:0' },
          log_level: 'info',
        }),
      );
      return ['forwarder', '--config', file];
    };
    const env = { X05_FRAPPE_API_SECRET: 's' };
    let a = spawnCli(config('fwd-a'), env);
    const b = spawnCli(config('fwd-b'), env);
    t.teardown(() => stopCli(a, 'SIGKILL'));
    t.teardown(() => stopCli(b, 'SIGKILL'));
    await Promise.all([
      waitForOutput(a, /"msg":"forwarder subscribed"/, 60_000),
      waitForOutput(b, /"msg":"forwarder subscribed"/, 60_000),
    ]);

    const publisher = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'scale-publisher' });
    t.teardown(() => publisher.endAsync());
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        makePunchEvent({
          deviceId: `X05-${i % 3}`,
          site: 'scale',
          userId: USERS[i % USERS.length]!,
          deviceTime: new Date(Date.UTC(2024, 4, 1, 0, 0, 0) + i * 30_000).toISOString().slice(0, 19),
          timezone: 'Europe/Berlin',
          punch: i % 2,
          verify: 1,
          source: 'pull',
          receivedAt: new Date('2024-05-02T00:00:00Z'),
          clockOffsetS: null,
          raw: '',
        }),
      ).map((e) =>
        publisher.publishAsync(`x05/v1/scale/${e.device_id}/punch`, encodePunchEvent(e), { qos: 1 }),
      ),
    );
    const synced = () => frappe.rawLogs.filter((r) => r.status === 'Synced').length;
    await until('a quarter written', () => synced() >= N / 4, 60_000);
    // aim for a moment when a batch is between its Checkin insert and its Raw Log insert
    await until(
      'a batch half written',
      () => frappe.checkins.length > frappe.rawLogs.length,
      10_000,
      1,
    ).catch(() => t.comment('no half-written batch seen; killing anyway'));
    await stopCli(a, 'SIGKILL');
    t.comment(`killed at ${frappe.checkins.length} Checkins / ${frappe.rawLogs.length} Raw Logs`);
    // a crashed forwarder's punches wait in its session at the broker; the service manager restarts it
    a = spawnCli(config('fwd-a'), env);
    await until(`${N} Synced`, () => synced() === N, 60_000);
    await new Promise((r) => setTimeout(r, 500));

    t.equal(frappe.rawLogs.length, N, 'one Raw Log per punch');
    t.equal(frappe.checkins.length, N, 'one Checkin per punch');
    const keys = new Set(frappe.checkins.map((c) => `${c.employee}|${c.time}|${c.log_type ?? ''}`));
    t.equal(keys.size, N, 'no punch written twice');
    t.equal(await stopCli(b), 0);
    const stats = /"stats":(\{[^}]*\})/.exec(b.output());
    const acked = stats ? (JSON.parse(stats[1]!) as { acked: number }).acked : 0;
    t.ok(acked > 0 && acked < N, `the other forwarder took a share (${acked} of ${N})`);
  },
);
