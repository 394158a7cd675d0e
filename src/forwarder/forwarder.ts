import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { GatewayError } from '../../protocol/errors.js';
import type { FrappeWriter } from '../frappe/writer.js';
import type { Logger } from '../ops/log.js';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
import { DEAD_LETTER_TOPIC } from './dead-letter.js';
import { type DeliveryDeps, deliver, type ForwarderStats } from './deliver.js';
import { KeySerial } from './key-serial.js';

export interface ForwarderOptions {
  brokerUrl: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Stable across restarts: the persistent session (and its queued punches) belongs to it. */
  clientId: string;
  shareGroup: string;
  /** e.g. `x05/v1/+/+/punch`; subscribed as `$share/{shareGroup}/{topic}`. */
  topic: string;
  /** Long enough to ride out a forwarder restart (design.md, MQTT). */
  sessionExpiryS: number;
  writer: FrappeWriter;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  deadLetterTopic?: string;
  keepaliveS?: number;
  /** How long stop() waits for a write in flight before leaving its message to redelivery. */
  drainTimeoutMs?: number;
  /**
   * 5 (default) for production brokers. 4 (MQTT 3.1.1) only for the demo's embedded broker, which has no
   * MQTT 5: then there is no shared subscription and no session expiry, so run a single forwarder.
   */
  protocolVersion?: 4 | 5;
}

/** The broker refused the shared subscription (ACL, or no shared-subscription support): fix the cloud config. */
export class SubscriptionError extends GatewayError {
  constructor(
    readonly subscription: string,
    readonly reasonCodes: number[],
  ) {
    super(
      'X05_CONFIG',
      `broker refused the subscription ${subscription} (reason codes ${reasonCodes.join(', ')})`,
    );
  }
}

export interface Forwarder {
  /** Live counters. */
  readonly stats: Readonly<ForwarderStats>;
  /** Finishes or abandons (unacknowledged) the message in hand, then disconnects; the session stays. */
  stop(): Promise<void>;
}

/**
 * MQTT v5 shared subscription → Frappe. A message is acknowledged only after the writer returned, via
 * mqtt.js `customHandleAcks`: the PUBACK is sent when our callback
 * runs (mqtt/build/lib/handlers/publish.js). mqtt.js handles incoming packets one at a time and waits
 * for that callback before the next, so messages of one connection are written strictly in arrival order
 * (per user, as required) and PUBACKs go out in order, as MQTT 5 §4.6 asks.
 * Throughput is one write at a time per forwarder; scale out by running more forwarders in the share.
 * While a write is retried, mqtt.js cannot read the PINGRESP either, so an outage longer than 1.5 ×
 * keepalive makes it reconnect; the unacknowledged message is then redelivered and written idempotently.
 */
export async function startForwarder(opts: ForwarderOptions): Promise<Forwarder> {
  const log = opts.logger.child({ component: 'forwarder', clientId: opts.clientId });
  const stats: ForwarderStats = {
    received: 0,
    acked: 0,
    synced: 0,
    unmapped: 0,
    rejected: 0,
    dryRun: 0,
    deadLettered: 0,
    retries: 0,
    lastError: undefined,
  };
  const stopping = new AbortController();
  // aborted when the connection that delivered a message closes: its PUBACK could no longer be sent
  let connection = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const dlTopic = opts.deadLetterTopic ?? DEAD_LETTER_TOPIC;
  const auth = {
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
  };

  // Dead letters go out on a second connection: a PUBACK for them on the main connection could not be
  // read while mqtt.js waits for our ack callback, and awaiting it there would deadlock.
  const protocolVersion = opts.protocolVersion ?? 5;
  const dlClient = await connectAsync(opts.brokerUrl, {
    ...auth,
    protocolVersion,
    clientId: `${opts.clientId}-deadletter`,
    clean: true,
    reconnectPeriod: 1000,
  });
  dlClient.on('error', (err) => log.warn({ err }, 'MQTT error (dead-letter connection)'));
  const deps: DeliveryDeps = {
    forwarder: opts.clientId,
    writer: opts.writer,
    logger: log,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    stats,
    serial: new KeySerial(),
    failures: { count: 0 },
    publishDeadLetter: async (dl) => {
      await dlClient.publishAsync(dlTopic, JSON.stringify(dl), { qos: 1 });
    },
  };

  const mqttOptions: IClientOptions = {
    ...auth,
    protocolVersion,
    clientId: opts.clientId,
    clean: false,
    keepalive: opts.keepaliveS ?? 60,
    reconnectPeriod: 1000,
    ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: opts.sessionExpiryS } } : {}),
    customHandleAcks: (topic, payload, _packet, ack) => {
      const conn = connection.signal;
      const work = deliver(deps, topic, payload, AbortSignal.any([stopping.signal, conn]))
        .then((ok) => {
          // the broker redelivers on the resumed session; a PUBACK on the new connection could answer
          // a packet id it has since reused
          if (!ok || conn.aborted) return;
          stats.acked++;
          ack(0);
        })
        .catch((err: unknown) => {
          stats.lastError = (err as Error).message;
          log.error({ err, topic }, 'message left unacknowledged after an unexpected failure');
        })
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    },
  };
  let client: MqttClient;
  try {
    client = await connectDeferringAcks(opts.brokerUrl, mqttOptions);
  } catch (err) {
    await dlClient.endAsync(true);
    throw err;
  }
  client.on('close', () => {
    connection.abort();
    connection = new AbortController();
  });
  client.on('error', (err) => log.warn({ err }, 'MQTT error'));
  client.on('reconnect', () => log.info('MQTT reconnecting'));
  client.on('connect', (connack) => log.info({ sessionPresent: connack.sessionPresent }, 'MQTT connected'));

  const shared = protocolVersion === 5 ? `$share/${opts.shareGroup}/${opts.topic}` : opts.topic;
  const grants = await client.subscribeAsync(shared, { qos: 1 });
  if (grants.some((g) => g.qos > 2)) {
    await Promise.all([client.endAsync(true), dlClient.endAsync(true)]);
    throw new SubscriptionError(
      shared,
      grants.map((g) => g.qos),
    );
  }
  log.info({ subscription: shared, sessionExpiryS: opts.sessionExpiryS }, 'forwarder subscribed');

  return {
    stats,
    async stop() {
      const drain = Promise.allSettled([...inFlight]);
      const timer = new Promise((resolve) => setTimeout(resolve, opts.drainTimeoutMs ?? 10_000).unref());
      // a write in hand finishes and is acknowledged; a retry wait is cut short (left to redelivery)
      stopping.abort();
      await Promise.race([drain, timer]);
      await Promise.all([client.endAsync(), dlClient.endAsync()]);
    },
  };
}

/**
 * mqtt.js keeps `customHandleAcks` only for MQTT 5 (its constructor drops it otherwise), although the
 * handler that calls it is the same for 3.1.1, whose PUBACK means the same thing. The demo's embedded
 * broker speaks only 3.1.1, so the option is put back before the first packet can arrive: without it the
 * client would acknowledge every punch on receipt, before Frappe holds it.
 */
function connectDeferringAcks(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = connect(url, options);
  client.options.customHandleAcks = options.customHandleAcks;
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      client.end(true);
      reject(err);
    };
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
  });
}
