import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { startGateway } from '../../src/app/gateway.js';
import { SiteConfigSchema } from '../../src/config/schema.js';
import { startSimulator } from '../../src/sim/index.js';
import { freePort } from '../helpers/free-port.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sample } from '../helpers/prom-sample.js';
import { standinFor, standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const logger = pino({ level: process.env.X05_TEST_LOG ?? 'silent' });
const SN = 'PUSH-WHEN-1';

/** A broker, a Frappe stand-in with these device users as employees, and a forwarder for `site`. */
async function cloud(t: Test, site: string, users: ReadonlyArray<{ userId: string }>) {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.close());
  const frappe = await standinFor(t, users);
  const fwd = await standinForwarder({
    brokerUrl: broker.url,
    frappe,
    siteTimezone: 'Asia/Kolkata',
    clientId: `${site}-fwd`,
    shareGroup: `g-${site}`,
    topic: `x05/v1/${site}/+/punch`,
    logger,
  });
  t.teardown(() => fwd.stop());
  return { broker, frappe, fwd };
}

t.test(
  'push lines dated 2099 or 1999 are stored, counted and parked in Frappe, never a Checkin',
  async (t) => {
    const { broker, frappe, fwd } = await cloud(t, 'when', [
      { userId: '7' },
      { userId: '8' },
      { userId: '9' },
    ]);
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
      // a date that does not exist: kept as written, never some other day
      '8\t2024-02-30 08:00:00\t0\t1\t0\t0',
    ];
    const r = await fetch(`http://127.0.0.1:${pushPort}/iclock/cdata?SN=${SN}&table=ATTLOG&Stamp=1`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    t.equal(await r.text(), 'OK: 4', 'the terminal is told all four are taken (they are stored)');
    await until('all four confirmed', () => gw.store.outboxDepth === 0 && fwd.stats.acked === 4, 20_000);

    t.equal(frappe.checkins.length, 1, 'only the 2024 punch is a Checkin');
    const parked = frappe.rawLogs.filter((l) => l.status === 'Error');
    t.equal(parked.length, 3, 'the other three are Raw Logs with status Error');
    t.ok(
      parked.every((l) => /^implausible time/.test(String(l.error))),
      'reason: implausible time',
    );
    const raw: string[] = [];
    for await (const e of gw.store.rawLog()) raw.push(e.device_time);
    t.same(
      raw.sort(),
      ['1999-12-31T23:00:00', '2024-02-30T08:00:00', '2024-05-01T09:00:00', '2099-12-31T08:00:00'],
      'all kept in the raw log',
    );
    const m = await (await fetch(`http://${listen}/metrics`)).text();
    t.equal(sample(m, `x05_punches_implausible_total{device="${SN}"}`), 3, 'counted at the gateway');
    const feb30 = frappe.rawLogs.find((l) => /2024-02-30/.test(String(l.error)))!;
    t.match(feb30, { error: /no such date/ }, '30 February named as such');
    t.equal(
      gw.store.intakeByDevice.get(SN)?.lastPunch,
      '2024-05-01 09:00:00'.replace(' ', 'T'),
      'not "last punch" either',
    );
  },
);

t.test('from a terminal over TCP, in its log and as a realtime event: stored, counted, parked', async (t) => {
  const sim = await startSimulator({ records: 20, users: 5, serial: 'TCP-WHEN-1', seed: 4, logger });
  t.teardown(() => sim.stop());
  const [a, b] = sim.device.users;
  // a clock jumped to 2099 before the gateway ever read the log
  sim.device.addPunch({
    uid: a!.uid,
    userId: a!.userId,
    verify: 1,
    punch: 0,
    deviceTime: '2099-12-31T08:00:00',
    workcode: 0,
  });
  // and a date the packed form can hold but no calendar has
  sim.device.addPunch({
    uid: b!.uid,
    userId: b!.userId,
    verify: 1,
    punch: 0,
    deviceTime: '2024-02-30T08:00:00',
    workcode: 0,
  });
  const { broker, frappe } = await cloud(t, 'tcp-when', sim.device.users);
  const gw = await startGateway(
    SiteConfigSchema.parse({
      site: 'tcp-when',
      data_dir: tempDir(t),
      broker: { url: broker.url },
      devices: [
        {
          host: sim.host,
          port: sim.port,
          serial: 'TCP-WHEN-1',
          timezone: 'UTC',
          realtime: true,
          heartbeat_s: 1,
        },
      ],
      ops: { listen: null },
    }),
    logger,
  );
  t.teardown(() => gw.stop());
  const n = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  await until('the log read', () => gw.store.intakeByDevice.get('TCP-WHEN-1')?.stored === n, 20_000);
  // and one more, live, from the same broken clock
  sim.device.addPunch({
    uid: b!.uid,
    userId: b!.userId,
    verify: 1,
    punch: 1,
    deviceTime: '2099-12-31T09:00:00',
    workcode: 0,
  });
  await until(
    'the realtime event',
    () => gw.store.intakeByDevice.get('TCP-WHEN-1')?.stored === n + 1,
    20_000,
  );
  await until('all confirmed', () => gw.store.outboxDepth === 0, 20_000);

  const intake = gw.store.intakeByDevice.get('TCP-WHEN-1')!;
  t.equal(intake.implausible, 3, 'all three counted at the gateway');
  const sources: string[] = [];
  for await (const e of gw.store.rawLog()) if (e.device_time.startsWith('2099')) sources.push(e.source);
  t.same(sources.sort(), ['pull', 'realtime'], 'kept in the raw log, one from each path');
  const parked = frappe.rawLogs.filter((l) => l.status === 'Error');
  t.equal(parked.length, 3, 'all three parked in Frappe');
  t.ok(parked.every((l) => /^implausible time/.test(String(l.error))));
  t.ok(parked.some((l) => /2024-02-30T08:00:00: no such date/.test(String(l.error))));
  t.equal(frappe.checkins.length, n - 2, 'every other punch is a Checkin');
});

t.test('from a USB export in the watched folder: stored, counted, parked', async (t) => {
  const { broker, frappe } = await cloud(t, 'usb-when', [{ userId: '7' }, { userId: '8' }, { userId: '9' }]);
  const watch = tempDir(t);
  const gw = await startGateway(
    SiteConfigSchema.parse({
      site: 'usb-when',
      data_dir: tempDir(t),
      broker: { url: broker.url },
      import: {
        watch_dir: watch,
        devices: { '1': 'USB-WHEN-1' },
        timezone: 'Asia/Kolkata',
        scan_interval_s: 0.2,
      },
      ops: { listen: null },
    }),
    logger,
  );
  t.teardown(() => gw.stop());
  const lines = [
    '        7\t2047-02-30 19:13:30\t1\t0\t1\t0',
    '        8\t2075-03-01 08:00:00\t1\t0\t1\t0',
    '        9\t2024-05-01 09:00:00\t1\t0\t1\t0',
  ];
  writeFileSync(join(watch, '1_attlog.dat'), `${lines.join('\r\n')}\r\n`, 'latin1');
  await until(
    'all three confirmed',
    () => gw.store.intakeByDevice.get('USB-WHEN-1')?.stored === 3 && gw.store.outboxDepth === 0,
    20_000,
  );
  t.equal(gw.store.intakeByDevice.get('USB-WHEN-1')?.implausible, 2, 'counted at the gateway');
  t.equal(frappe.checkins.length, 1, 'only the 2024 punch is a Checkin');
  const parked = frappe.rawLogs.filter((l) => l.status === 'Error').map((l) => String(l.error));
  t.equal(parked.length, 2);
  t.match(parked.sort(), [/2047-02-30T19:13:30: no such date/, /2075-03-01T08:00:00: \d+ h ahead/]);
});
