import type { SiteConfig } from '../config/schema.js';
import { DevicePoller, type DeviceStatus } from '../device/poller.js';
import type { Logger } from '../ops/log.js';
import { OutboxPublisher } from '../publish/outbox-publisher.js';
import { deviceStatusTopic, gatewayStatusTopic, topicLevel } from '../publish/topics.js';
import { PunchStore } from '../store/punch-store.js';
import { connectBroker, withTimeout } from './mqtt-connect.js';

export interface RunningGateway {
  store: PunchStore;
  publisher: OutboxPublisher;
  pollers: DevicePoller[];
  stop(): Promise<void>;
}

/** The edge process: device pollers → store → publisher, with gateway and device status on MQTT (design.md). */
export async function startGateway(cfg: SiteConfig, logger: Logger): Promise<RunningGateway> {
  const store = await PunchStore.open(cfg.data_dir);
  const site = topicLevel(cfg.site);
  const willTopic = gatewayStatusTopic(site);
  const client = connectBroker(cfg.broker, {
    clientId: cfg.broker.client_id ?? `x05-gateway-${site}`,
    will: { topic: willTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  client.on('connect', () => {
    logger.info({ broker: cfg.broker.url }, 'broker connected');
    client.publish(willTopic, 'online', { qos: 1, retain: true });
  });
  client.on('offline', () =>
    logger.warn(
      { broker: cfg.broker.url, queued: store.outboxDepth },
      'broker unreachable; punches stay queued on disk',
    ),
  );
  client.on('error', (err) => logger.error({ err, broker: cfg.broker.url }, 'broker error'));

  const publisher = new OutboxPublisher({ client, outbox: store, site: cfg.site, logger });
  publisher.start();

  const publishStatus = (s: DeviceStatus) => {
    const payload = JSON.stringify({ ...s, queued: store.outboxDepth });
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
      sink: store,
      logger,
      onStatus: publishStatus,
    });
  });
  for (const p of pollers) p.start();

  return {
    store,
    publisher,
    pollers,
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      await publisher.stop();
      // a clean stop says offline itself; bounded, since the broker may be the thing that is down
      await withTimeout(client.publishAsync(willTopic, 'offline', { qos: 1, retain: true }), 2000).catch(
        () => {},
      );
      await client.endAsync(true);
      await store.close();
    },
  };
}
