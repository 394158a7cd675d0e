import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { type CloudConfig, SiteConfigSchema } from '../config/schema.js';
import { hostTimeZone } from '../event/wall-clock.js';
import { startForwarder } from '../forwarder/forwarder.js';
import type { Logger } from '../ops/log.js';
import { startSimulator } from '../sim/server.js';
import { frappeWriterFor } from './forwarder.js';
import { startGateway } from './gateway.js';

export interface DemoOptions {
  records: number;
  users: number;
  /** A real Frappe site; without it the forwarder prints the calls it would make. */
  frappeUrl?: string;
  apiKey?: string;
  apiSecret?: string;
  siteTimezone?: string;
  /** Stop once every punch went through (for scripts and tests) instead of running until Ctrl-C. */
  exitWhenDone?: boolean;
}

export interface RunningDemo {
  done: Promise<number>;
  stop(): Promise<void>;
}

const SERIAL = 'X05-DEMO-0001';

/**
 * Every stage in one process on loopback with nothing to install: a simulated terminal, the gateway
 * (store in a temp dir), an embedded MQTT broker (aedes, MQTT 3.1.1) and a forwarder.
 */
export async function startDemo(o: DemoOptions, logger: Logger): Promise<RunningDemo> {
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
    share_group: 'x05-forwarder',
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
    // the demo's gateway has the status page; the forwarder's counts are in its final log line
    ops: { listen: null, host_names: [] },
    log_level: 'info',
  };
  const writer = await frappeWriterFor(cloud, logger, o.frappeUrl ? undefined : process.stdout);
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

  const expected = new Set(sim.device.records.map((r) => `${r.userId}|${r.deviceTime}|${r.punch}`)).size;
  let stopped = false;
  const done = (async () => {
    const started = Date.now();
    while (!stopped && forwarder.stats.acked < expected) await new Promise((r) => setTimeout(r, 100));
    const seconds = (Date.now() - started) / 1000;
    logger.info(
      { punches: forwarder.stats.acked, seconds, stats: forwarder.stats, status_page: gateway.ops?.url },
      `demo: ${forwarder.stats.acked} punches went terminal → store → MQTT → forwarder${o.frappeUrl ? ' → Frappe' : ' (dry run)'}`,
    );
    return forwarder.stats.acked;
  })();

  return {
    done,
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
