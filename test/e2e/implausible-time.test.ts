import { pino } from 'pino';
import t from 'tap';
import { startGateway } from '../../src/cli/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const SN = 'PUSH-WHEN-1';

t.test(
  'push lines dated 2099 or 1999 are stored, counted and parked in Frappe, never a Checkin',
  async (t) => {
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const frappe = await FrappeStandin.start({
      apiKey: 'k',
      apiSecret: 's',
      timeZone: 'Asia/Kolkata',
      employees: ['7', '8', '9'].map((u) => ({ employee_name: `E ${u}`, attendance_device_id: u })),
    });
    t.teardown(() => frappe.close());
    const fwd = await standinForwarder({
      brokerUrl: broker.url,
      frappe,
      siteTimezone: 'Asia/Kolkata',
      clientId: 'when-fwd',
      shareGroup: 'g-when',
      topic: 'x05/v1/when/+/punch',
      logger,
    });
    t.teardown(() => fwd.stop());
    const pushPort = await freePort();
    const listen = `127.0.0.1:${await freePort()}`;
    const gw = await startGateway(
      SiteConfigSchema.parse({
        site: 'when',
        data_dir: tempDir(t),
        broker: { url: broker.url },
        push: { host: '127.0.0.1', port: pushPort, devices: [{ serial: SN, timezone: 'Asia/Kolkata' }] },
        ops: { listen },
      }),
      logger,
    );
    t.teardown(() => gw.stop());

    const lines = [
      '7\t2099-12-31 08:00:00\t0\t1\t0\t0',
      '8\t1999-12-31 23:00:00\t0\t1\t0\t0',
      '9\t2024-05-01 09:00:00\t0\t1\t0\t0',
    ];
    const r = await fetch(`http://127.0.0.1:${pushPort}/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=1`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    t.equal(await r.text(), 'OK: 3', 'the terminal is told all three are taken (they are stored)');
    await until('all three confirmed', () => gw.store.outboxDepth === 0 && fwd.stats.acked === 3, 20_000);

    t.equal(frappe.checkins.length, 1, 'only the 2024 punch is a Checkin');
    const parked = frappe.rawLogs.filter((l) => l.status === 'Error');
    t.equal(parked.length, 2, 'the other two are Raw Logs with status Error');
    t.ok(
      parked.every((l) => /^implausible time/.test(String(l.error))),
      'reason: implausible time',
    );
    const raw: string[] = [];
    for await (const e of gw.store.rawLog()) raw.push(e.device_time);
    t.same(
      raw.sort(),
      ['1999-12-31T23:00:00', '2024-05-01T09:00:00', '2099-12-31T08:00:00'],
      'all kept in the raw log',
    );
    const m = await (await fetch(`http://${listen}/metrics`)).text();
    t.equal(sample(m, `x05_punches_implausible_total{device="${SN}"}`), 2, 'counted at the gateway');
    t.equal(
      gw.store.intakeByDevice.get(SN)?.lastPunch,
      '2024-05-01 09:00:00'.replace(' ', 'T'),
      'not "last punch" either',
    );
  },
);
