import { setTimeout as sleep } from 'node:timers/promises';
import { connect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { GatewayError } from '../../protocol/errors.js';
import type { FrappeWriter } from '../frappe/index.js';
import { FrappeBatchWriter } from '../frappe/index.js';
import { watchBrokerLink } from '../ops/index.js';
import { type AckSlot, AckWindow } from './ack-window.js';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.js';
import { BatchPipeline } from './batch-pipeline.js';
import { Confirmer } from './confirmer.js';
import { DEAD_LETTER_TOPIC } from './dead-letter.js';
import { type DeliveryDeps, deliver } from './deliver.js';
import { DeviceRegistry } from './device-registry.js';
import { FleetView } from './fleet.js';
import { InstanceRetirer } from './instance-retirer.js';
import { KeySerial } from './key-serial.js';
import { ShiftSync, type ShiftTypeDevices } from './shift-sync.js';
import { type ForwarderStats, newForwarderStats } from './stats.js';
import { type ForwarderState, forwarderStatusTopic, OFFLINE_WILL, StatusReporter } from './status.js';
import { watchDeviceStatus } from './status-watch.js';
import { startUnmappedPass } from './unmapped-pass.js';

export interface BrokerTls {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
}

export interface ForwarderOptions {
  brokerUrl: string;
  username?: string | undefined;
  password?: string | undefined;
  /** For mqtts://: the broker's CA (PEM) and, for certificate login, this client's certificate and key. */
  tls?: BrokerTls | undefined;
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
  /** Punches per batch for a FrappeBatchWriter (≤ 200, insert_many's cap). Default 200. */
  batchSize?: number;
  /** How long a batch waits to fill before it goes out. Default 20 ms. */
  lingerMs?: number;
  /** Unacknowledged messages in hand at once (MQTT 5 Receive Maximum). Default 4 × batchSize. */
  maxInFlight?: number;
  /** Period of the Unmapped retry pass (batching writers), seconds; 0 = off. Default 300. */
  unmappedRetryS?: number | undefined;
  /** Shift Types whose last_sync_of_checkin follows these terminals (batching writers). */
  shiftTypes?: ShiftTypeDevices[] | undefined;
  /** Retire other instances of the share group offline this long (InstanceRetirer); 0 = never. Default 1 h. */
  retireAfterMs?: number | undefined;
  /**
   * Biometric Device records (batching writers, DeviceRegistry): a terminal without a status for
   * `staleAfterS` (default 86,400) is marked offline; the write interval and tick are for tests. false = off.
   */
  devices?: DeviceRecordOptions | false | undefined;
  /**
   * Watch without taking part (`forwarder --dry-run` beside the running ones): a plain subscription on a
   * clean session, so the broker hands this client a copy of each new punch and the share group still gets
   * every one; and nothing goes out — no confirmation (a gateway deletes what is confirmed, so a dry run
   * confirming would lose those punches), no dead letter, no status, no retirement of other instances.
   */
  observeOnly?: boolean;
}

export interface DeviceRecordOptions {
  staleAfterS?: number | undefined;
  minWriteIntervalMs?: number | undefined;
  tickMs?: number | undefined;
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
  /** Where the retained status (running / auth_paused / offline) goes. */
  readonly statusTopic: string;
  /** What that status says now. */
  readonly state: ForwarderState;
  /** Seconds the oldest message in hand has waited for Frappe (0 when none): a stuck forwarder shows here. */
  readonly oldestInHandS: number;
  /** Every site and terminal from the retained statuses (the ops page's fleet view). */
  readonly fleet: FleetView;
  /** Finishes or abandons (unacknowledged) the message in hand, then disconnects; the session stays. */
  stop(): Promise<void>;
}

/**
 * MQTT v5 shared subscription → Frappe. A message is acknowledged only once Frappe holds it, with up to
 * `maxInFlight` messages in hand on the one connection and PUBACKs in arrival order (AckWindow explains
 * how, and why not K connections). A FrappeBatchWriter gets batches (BatchPipeline): Raw Logs and
 * Checkins by insert_many, one Checkin batch at a time; any other writer gets one punch at a time per
 * device user, users side by side. Scale out by running more forwarders in the share.
 */
export async function startForwarder(opts: ForwarderOptions): Promise<Forwarder> {
  const log = opts.logger.child({ component: 'forwarder', clientId: opts.clientId });
  const stats = newForwarderStats();
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const dlTopic = opts.deadLetterTopic ?? DEAD_LETTER_TOPIC;
  const statusTopic = forwarderStatusTopic(opts.shareGroup, opts.clientId);
  const observe = opts.observeOnly === true;
  // on the main connection, so its last will says the consuming connection is gone; never awaited
  // (StatusReporter says why)
  let client: MqttClient | undefined;
  const status = new StatusReporter((payload) => {
    if (!observe) client?.publish(statusTopic, payload, { qos: 1, retain: true });
  });
  const auth = {
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    // both connections verify the broker against this CA (never rejectUnauthorized: false)
    ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
    ...(opts.tls?.cert ? { cert: opts.tls.cert } : {}),
    ...(opts.tls?.key ? { key: opts.tls.key } : {}),
  };

  // Dead letters and confirmations go out on a second connection: a PUBACK for them on the main
  // connection could not be read while mqtt.js waits for our ack callback, and awaiting it there would
  // deadlock.
  const protocolVersion = opts.protocolVersion ?? 5;
  const dlClient = await connectAsync(opts.brokerUrl, {
    ...auth,
    protocolVersion,
    clientId: `${opts.clientId}-deadletter`,
    clean: true,
    reconnectPeriod: 1000,
  });
  watchBrokerLink(dlClient, log, {
    url: opts.brokerUrl,
    unreachable: 'broker unreachable (dead-letter and confirmation connection)',
  });
  const retireAfterMs = opts.retireAfterMs ?? 3_600_000;
  const retirer =
    protocolVersion === 5 && retireAfterMs > 0 && !observe
      ? new InstanceRetirer({
          client: dlClient,
          brokerUrl: opts.brokerUrl,
          connectOptions: auth,
          shareGroup: opts.shareGroup,
          clientId: opts.clientId,
          afterMs: retireAfterMs,
          logger: log,
        })
      : undefined;
  const confirmer = new Confirmer((topic, payload) => {
    dlClient.publish(topic, payload, { qos: 1 }, (err) => {
      if (err)
        log.warn({ err, topic }, 'confirmation not delivered; the gateway will send those punches again');
    });
  });
  const deps: DeliveryDeps = {
    forwarder: opts.clientId,
    writer: opts.writer,
    logger: log,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    stats,
    serial: new KeySerial(),
    failures: { count: 0 },
    status,
    publishDeadLetter: async (dl) => {
      if (!observe) await dlClient.publishAsync(dlTopic, JSON.stringify(dl), { qos: 1 });
    },
    confirmer: {
      held: (topic, id) => {
        if (observe) return;
        stats.confirmed++;
        confirmer.held(topic, id);
      },
    },
  };

  const batchSize = Math.min(opts.batchSize ?? 200, 200);
  const window = new AckWindow(opts.maxInFlight ?? 4 * batchSize, () => {
    stats.acked++;
  });
  const batchWriter = opts.writer instanceof FrappeBatchWriter ? opts.writer : undefined;
  const staleAfterMs = ((opts.devices ? opts.devices.staleAfterS : undefined) ?? 86_400) * 1000;
  const fleet = new FleetView(staleAfterMs);
  const devices =
    batchWriter && opts.devices !== false
      ? new DeviceRegistry({
          client: batchWriter.client,
          siteZone: batchWriter.siteZone,
          logger: log,
          staleAfterMs,
          minWriteIntervalMs: opts.devices?.minWriteIntervalMs,
          tickMs: opts.devices?.tickMs,
        })
      : undefined;
  // statuses come on the side connection: the main one admits only punches (AckWindow)
  const unwatch = watchDeviceStatus(
    dlClient,
    {
      terminal: (s) => {
        fleet.terminal(s);
        devices?.status(s);
      },
      gateway: (g) => fleet.gateway(g),
      health: (h) => fleet.health(h),
    },
    log,
  );
  const pipeline = batchWriter
    ? new BatchPipeline({
        ...deps,
        writer: batchWriter,
        batchSize,
        lingerMs: opts.lingerMs ?? 20,
        stopping: stopping.signal,
        devices,
        shiftSync: opts.shiftTypes?.length
          ? new ShiftSync(batchWriter.client, opts.shiftTypes, log, () => batchWriter.siteZone())
          : undefined,
      })
    : undefined;
  const accept = (topic: string, payload: Buffer, slot: AckSlot) => {
    // the broker keeps sending until the connection ends; a message taken while stopping is left to
    // redelivery, never written: its write could end after the connection (unacknowledged, written twice)
    // or race the disconnect, and stop() waits only for the work in hand when it began
    if (stopping.signal.aborted) {
      slot.done(false);
      return;
    }
    if (pipeline) {
      pipeline.submit(topic, payload, slot);
      return;
    }
    const work = deliver(deps, topic, payload, AbortSignal.any([stopping.signal, slot.connection]))
      .then((ok) => {
        slot.done(ok);
      })
      .catch((err: unknown) => {
        slot.done(false);
        stats.lastError = (err as Error).message;
        log.error({ err, topic }, 'message left unacknowledged after an unexpected failure');
      })
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };

  const mqttOptions: IClientOptions = {
    ...auth,
    protocolVersion,
    clientId: opts.clientId,
    clean: observe,
    keepalive: opts.keepaliveS ?? 60,
    reconnectPeriod: 1000,
    ...(observe
      ? {}
      : {
          will: {
            topic: statusTopic,
            payload: Buffer.from(JSON.stringify(OFFLINE_WILL)),
            qos: 1,
            retain: true,
          },
        }),
    ...(protocolVersion === 5
      ? {
          properties: {
            sessionExpiryInterval: observe ? 0 : opts.sessionExpiryS,
            receiveMaximum: window.size,
          },
        }
      : {}),
    customHandleAcks: (topic, payload, packet, ack) => {
      void window.admit(packet.messageId ?? 0).then((slot) => {
        // sends no PUBACK (AckWindow): it only lets mqtt.js read the next packet
        ack(0);
        accept(topic, payload, slot);
      });
    },
  };
  try {
    client = await connectDeferringAcks(opts.brokerUrl, mqttOptions, window);
  } catch (err) {
    devices?.stop();
    await dlClient.endAsync(true);
    throw err;
  }
  watchBrokerLink(client, log, {
    url: opts.brokerUrl,
    unreachable: 'broker unreachable; punches wait in the broker session',
  });
  client.on('connect', (connack) => {
    log.info({ sessionPresent: connack.sessionPresent }, 'MQTT connected');
    // the will may have replaced the status while the connection was down
    status.republish();
  });

  const shared = protocolVersion === 5 && !observe ? `$share/${opts.shareGroup}/${opts.topic}` : opts.topic;
  const grants = await client.subscribeAsync(shared, { qos: 1 });
  if (grants.some((g) => g.qos > 2)) {
    devices?.stop();
    await Promise.all([client.endAsync(true), dlClient.endAsync(true)]);
    throw new SubscriptionError(
      shared,
      grants.map((g) => g.qos),
    );
  }
  const unmappedEveryS = opts.unmappedRetryS ?? 300;
  const stopUnmappedPass =
    pipeline && opts.writer instanceof FrappeBatchWriter && unmappedEveryS > 0
      ? startUnmappedPass(pipeline, opts.writer, unmappedEveryS, log)
      : () => {};
  status.republish();
  log.info(
    observe
      ? { subscription: shared, sessionExpiryS: 0, observeOnly: true }
      : { subscription: shared, sessionExpiryS: opts.sessionExpiryS, statusTopic },
    'forwarder subscribed',
  );
  const main = client;

  return {
    stats,
    statusTopic,
    fleet,
    get state() {
      return status.current;
    },
    get oldestInHandS() {
      const at = window.oldestAt;
      return at === undefined ? 0 : Math.round((Date.now() - at) / 1000);
    },
    async stop() {
      const drain = Promise.allSettled([...inFlight, pipeline?.drain(opts.drainTimeoutMs ?? 10_000)]);
      const timer = new Promise((resolve) => setTimeout(resolve, opts.drainTimeoutMs ?? 10_000).unref());
      // a write in hand finishes and is acknowledged; a retry wait is cut short (left to redelivery)
      window.close();
      stopping.abort();
      stopUnmappedPass();
      retirer?.stop();
      unwatch();
      devices?.stop();
      await Promise.race([drain, timer]);
      // a clean stop says offline itself (the will is for an unclean end); bounded: the broker may be down
      const said =
        !observe &&
        main.connected &&
        (await Promise.race([
          main.publishAsync(statusTopic, status.offline(), { qos: 1, retain: true }).then(
            () => true,
            () => false,
          ),
          sleep(2000, false, { ref: false }),
        ]));
      confirmer.flush();
      // a graceful end waits for every unacknowledged publish, so an unanswered status would hang it;
      // forced, the broker sends the will instead, which says the same
      await Promise.all([main.endAsync(!said), endWithin(dlClient, 2000)]);
    },
  };
}

/**
 * Ends `client` after its queued publishes (the last confirmations) are out, or forced after `ms`: with
 * the broker down they would wait forever, and a confirmation lost here only means the gateway sends those
 * punches again, which the Raw Log lookup makes harmless.
 */
async function endWithin(client: MqttClient, ms: number): Promise<void> {
  const graceful = client.connected ? client.endAsync().then(() => true) : Promise.resolve(false);
  const done = await Promise.race([graceful, sleep(ms, false, { ref: false })]);
  if (!done) await client.endAsync(true);
}

/**
 * mqtt.js keeps `customHandleAcks` only for MQTT 5 (its constructor drops it otherwise), although the
 * handler that calls it is the same for 3.1.1, whose PUBACK means the same thing. The demo's embedded
 * broker speaks only 3.1.1, so the option is put back before the first packet can arrive: without it the
 * client would acknowledge every punch on receipt, before Frappe holds it.
 */
function connectDeferringAcks(url: string, options: IClientOptions, window: AckWindow): Promise<MqttClient> {
  const client = connect(url, options);
  client.options.customHandleAcks = options.customHandleAcks;
  window.attach(client);
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
