import type { Logger } from 'pino';
import type { SiteConfig } from '../config/index.js';
import { DevicePoller, type DeviceStatus } from '../device/index.js';
import { topicLevel } from '../event/index.js';
import type { FolderWatcher } from '../import/index.js';
import { startWatchFromConfig } from '../import/index.js';
import type { OpsServer } from '../ops/index.js';
import { redactUrl, watchBrokerLink } from '../ops/index.js';
import {
  ConfirmationListener,
  deviceStatusTopic,
  gatewayStatusTopic,
  OutboxPublisher,
} from '../publish/index.js';
import type { PushServer } from '../push/index.js';
import { startPushFromConfig } from '../push/index.js';
import { PunchStore } from '../store/index.js';
import { startHousekeeping } from './gateway-health.js';
import { startGatewayOps } from './gateway-ops.js';
import { connectBroker, withTimeout } from './mqtt-connect.js';

export interface RunningGateway {
  store: PunchStore;
  publisher: OutboxPublisher;
  /** The confirmation loop's listener; undefined with `publish.confirm: false`. */
  confirmations: ConfirmationListener | undefined;
  pollers: DevicePoller[];
  /** The iclock push receiver, when `push` is configured. */
  push: PushServer | undefined;
  /** The USB-export folder, when `import` is configured. */
  importFolder: FolderWatcher | undefined;
  /** /status, /healthz and /metrics, when `ops.listen` is set and could be bound. */
  ops: OpsServer | undefined;
  stop(): Promise<void>;
}

/** The edge process: device pollers → store → publisher, with gateway and device status on MQTT (design.md). */
export async function startGateway(cfg: SiteConfig, logger: Logger): Promise<RunningGateway> {
  const store = await PunchStore.open(cfg.data_dir, {
    minFreeBytes: cfg.store.min_free_mb * 1048576,
    timeBounds: { min: cfg.time.min, maxFutureS: cfg.time.max_future_s },
  });
  if (store.layoutMove) logger.info(store.layoutMove, 'store moved to the current key layout');
  const site = topicLevel(cfg.site);
  const willTopic = gatewayStatusTopic(site);
  const v5 = cfg.broker.protocol_version === 5;
  const client = connectBroker(cfg.broker, {
    clientId: cfg.broker.client_id ?? `x05-gateway-${site}`,
    protocolVersion: cfg.broker.protocol_version,
    // a persistent session, so confirmations published while the gateway is away wait for it
    clean: false,
    ...(v5 ? { properties: { sessionExpiryInterval: cfg.publish.session_expiry_s } } : {}),
    will: { topic: willTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  const confirmations = cfg.publish.confirm
    ? new ConfirmationListener(client, store, cfg.site, logger)
    : undefined;
  client.on('connect', () => {
    logger.info({ broker: redactUrl(cfg.broker.url) }, 'broker connected');
    client.publish(willTopic, 'online', { qos: 1, retain: true });
  });
  watchBrokerLink(client, logger, {
    url: cfg.broker.url,
    unreachable: 'broker unreachable; punches stay queued on disk',
    fields: () => ({ queued: store.outboxDepth }),
  });
  // a refused CONNACK (bad credentials, ACL) is a config problem, said at error level once per refusal code
  let refusedCode = 0;
  client.on('packetreceive', (p) => {
    if (p.cmd !== 'connack') return;
    const code = p.returnCode ?? p.reasonCode ?? 0;
    if (code !== 0 && code !== refusedCode)
      logger.error(
        { broker: redactUrl(cfg.broker.url), username: cfg.broker.username, code },
        'broker refused the connection (credentials?)',
      );
    refusedCode = code;
  });

  const publisher = new OutboxPublisher({
    client,
    outbox: store,
    site: cfg.site,
    logger,
    window: cfg.publish.window,
    maxRate: cfg.publish.max_rate,
    confirm: cfg.publish.confirm
      ? {
          timeoutMs: cfg.publish.confirm_timeout_s * 1000,
          capMs: cfg.publish.resend_cap_s * 1000,
          window: cfg.publish.confirm_window,
        }
      : false,
  });
  publisher.start();
  const housekeeping = startHousekeeping(cfg, store, publisher, client, logger);

  const deviceStatus = new Map<string, DeviceStatus>();
  const publishStatus = (s: DeviceStatus) => {
    deviceStatus.set(s.device, s);
    const lastPunch = store.intakeByDevice.get(s.device)?.lastPunch;
    const payload = JSON.stringify({
      ...s,
      ...(lastPunch ? { last_punch: lastPunch } : {}),
      queued: store.outboxDepth,
    });
    client.publish(deviceStatusTopic(site, topicLevel(s.device)), payload, { qos: 1, retain: true });
  };
  const pollers = cfg.devices.map((d) => {
    const label = d.name ?? d.serial ?? `${d.host}:${d.port}`;
    return new DevicePoller({
      host: d.host,
      port: d.port,
      site: cfg.site,
      timezone: d.timezone,
      timeoutMs: d.timeout_ms,
      intervalMs: d.poll_interval_s * 1000,
      label,
      ...(d.serial ? { expectedSerial: d.serial } : {}),
      ...(d.record_size ? { recordSize: d.record_size } : {}),
      ...(d.comm_key ? { commKey: d.comm_key } : {}),
      ...(d.transport ? { transport: d.transport } : {}),
      ...(d.discover ? { discover: d.discover } : {}),
      discoveryTimeoutMs: cfg.discovery.timeout_ms,
      discoveryConcurrency: cfg.discovery.concurrency,
      realtime: d.realtime ?? false,
      heartbeatMs: (d.heartbeat_s ?? 30) * 1000,
      driftWarnS: d.drift_warn_s ?? 60,
      setTime: d.set_time ?? false,
      sink: store,
      logger,
      onStatus: publishStatus,
    });
  });
  for (const p of pollers) p.start();
  // push and file import feed the same store (design.md data flow)
  const push = await startPushFromConfig(cfg, store, logger, (u) =>
    publishStatus({
      device: u.device,
      state: 'online',
      last_sync: u.at.toISOString(),
      records: u.lines,
      stored: u.stored,
      rejected: u.rejected,
      clock_offset_s: null,
      mode: 'PUSH',
      timezone: cfg.push?.devices.find((d) => d.serial === u.device)?.timezone,
    }),
  );
  const importFolder = await startWatchFromConfig(cfg, store, logger);
  const ops = await startGatewayOps(
    cfg,
    { store, publisher, confirmations, client, push, devices: deviceStatus },
    logger,
  );

  return {
    store,
    publisher,
    confirmations,
    pollers,
    push,
    importFolder,
    ops,
    async stop() {
      await ops?.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await push?.stop();
      await importFolder?.stop();
      housekeeping.stop();
      await publisher.stop();
      // a clean stop says offline itself; bounded, since the broker may be the thing that is down
      await withTimeout(
        client.publishAsync(willTopic, 'offline', { qos: 1, retain: true }),
        2000,
        'offline status',
      ).catch(() => {});
      await client.endAsync(true);
      await store.close();
    },
  };
}
