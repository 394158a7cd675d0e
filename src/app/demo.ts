import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { type CloudConfig, DEFAULT_SHARE_GROUP, SiteConfigSchema } from '../config/index.js';
import { hostTimeZone } from '../event/index.js';
import { startForwarder } from '../forwarder/index.js';
import { startSimulator } from '../sim/index.js';
import { type DemoStage, reportStages, seconds, thousands } from './demo-report.js';
import { frappeWriterFor } from './forwarder.js';
import { startGateway } from './gateway.js';

export interface DemoOptions {
  records: number;
  users: number;
  /** A real Frappe site; without it the forwarder makes no call and counts what it would send. */
  frappeUrl?: string;
  apiKey?: string;
  apiSecret?: string;
  siteTimezone?: string;
  /** Print each Frappe request of a dry run (a batch's insert_many is one line of some 60 KB). */
  verbose?: boolean;
}

export interface RunningDemo {
  /** Resolves once every punch has been through every stage, the summary printed. */
  done: Promise<void>;
  /** The gateway's status page. */
  statusPage: string | undefined;
  stop(): Promise<void>;
}

const SERIAL = 'X05-DEMO-0001';

/**
 * Every stage in one process on loopback with nothing to install: a simulated terminal, the gateway
 * (store in a temp dir), an embedded MQTT broker (aedes, MQTT 3.1.1) and a forwarder. `out` gets a short
 * summary: a line per stage once every punch has reached it.
 */
export async function startDemo(o: DemoOptions, logger: Logger, out: Writable): Promise<RunningDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'x05-demo-'));
  const aedes = await Aedes.createBroker();
  const mqttServer = createServer(aedes.handle);
  await new Promise<void>((resolve) => mqttServer.listen(0, '127.0.0.1', resolve));
  const brokerUrl = `mqtt://127.0.0.1:${(mqttServer.address() as AddressInfo).port}`;
  const sim = await startSimulator({
    records: o.records,
    users: o.users,
    serial: SERIAL,
    logger: logger.child({ component: 'simulator' }),
  });
  const zone = hostTimeZone();
  logger.info(
    { terminal: `${sim.host}:${sim.port}`, broker: brokerUrl, store: dataDir },
    'demo parts started',
  );

  const cloud: CloudConfig = {
    broker: { url: brokerUrl, session_expiry_s: 3600, protocol_version: 4 },
    share_group: DEFAULT_SHARE_GROUP,
    topic: 'x05/v1/+/+/punch',
    frappe: {
      url: o.frappeUrl ?? 'https://erp.example.com',
      api_key: o.apiKey ?? 'demo',
      api_secret: o.apiSecret,
      timeout_ms: 15_000,
      employee_fieldname: 'attendance_device_id',
      site_timezone: o.siteTimezone ?? (o.frappeUrl ? undefined : zone),
    },
    time: { min: '2000-01-01', max_future_s: 86_400 },
    // the demo's gateway has the status page
    ops: { listen: null, host_names: [] },
    log_level: 'info',
  };
  const dryRunOut = o.verbose ? out : new Writable({ write: (_chunk, _enc, done) => done() });
  const writer = await frappeWriterFor(cloud, logger, o.frappeUrl ? undefined : dryRunOut);
  const forwarder = await startForwarder({
    brokerUrl,
    clientId: 'x05-demo-forwarder',
    shareGroup: cloud.share_group,
    topic: cloud.topic,
    sessionExpiryS: 3600,
    writer,
    logger,
    // aedes speaks MQTT 3.1.1 only: no shared subscription, one forwarder
    protocolVersion: 4,
  });
  const startedAt = Date.now();
  const gateway = await startGateway(
    SiteConfigSchema.parse({
      site: 'demo',
      data_dir: dataDir,
      // aedes speaks MQTT 3.1.1 only
      broker: { url: brokerUrl, protocol_version: 4 },
      devices: [
        {
          name: 'demo-terminal',
          host: sim.host,
          port: sim.port,
          serial: SERIAL,
          timezone: zone,
          poll_interval_s: 30,
          timeout_ms: 5000,
        },
      ],
      ops: { listen: '127.0.0.1:0' },
      log_level: 'info',
    }),
    logger.child({ component: 'gateway' }),
  );

  const records = sim.device.records;
  // the generator may draw one punch twice; the store keeps it once
  const expected = new Set(records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  const fw = forwarder.stats;
  const frappe = o.frappeUrl
    ? () =>
        `${thousands(fw.synced)} Checkins and their Raw Logs written to ${o.frappeUrl}` +
        (fw.unmapped + fw.rejected > 0 ? ` (${fw.unmapped} unmapped, ${fw.rejected} refused)` : '')
    : () =>
        `${thousands(fw.synced)} Checkins + Raw Logs, ${fw.batches} batch${fw.batches === 1 ? '' : 'es'}, dry run: not sent` +
        (o.verbose ? '' : ' (--verbose shows them)');
  const stages: DemoStage[] = [
    {
      name: 'store',
      reached: () => [...gateway.store.intakeByDevice.values()].reduce((a, d) => a + d.stored, 0),
      says: (n) => `${thousands(n)} stored (LevelDB, synced to disk)`,
    },
    {
      name: 'MQTT',
      reached: () => gateway.publisher.stats.published,
      says: (n) => `${thousands(n)} published at QoS 1 to x05/v1/demo/${SERIAL}/punch`,
    },
    { name: 'forwarder', reached: () => fw.received, says: (n) => `${thousands(n)} received from MQTT` },
    { name: 'Frappe', reached: () => fw.acked, says: frappe },
    ...(gateway.confirmations
      ? [
          {
            name: 'confirmed',
            reached: () => gateway.confirmations?.stats.confirmed ?? 0,
            says: (n: number) => `${thousands(n)} confirmed back to the gateway, which lets them go`,
          },
        ]
      : []),
  ];
  out.write(
    `x05-gateway demo: a simulated terminal, the gateway, an MQTT broker and a forwarder, on loopback\n` +
      `  terminal   ${thousands(records.length)} punches of ${thousands(o.users)} users on ${SERIAL}\n`,
  );
  let stopped = false;
  const done = reportStages(stages, expected, startedAt, out, () => stopped).then((ms) => {
    if (!stopped) out.write(`done: ${thousands(expected)} punches through every stage in ${seconds(ms)}\n`);
  });

  return {
    done,
    statusPage: gateway.ops?.url,
    async stop() {
      stopped = true;
      await gateway.stop();
      await forwarder.stop();
      await sim.stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      mqttServer.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
