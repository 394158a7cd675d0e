import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { forwarderStatusTopic } from './status.js';

export interface RetirerOptions {
  /** The side connection: it reads the group's retained statuses and clears a retired one's. */
  client: MqttClient;
  brokerUrl: string;
  /** Credentials and TLS of this forwarder (a retirement connects under the stale instance's client id). */
  connectOptions: IClientOptions;
  shareGroup: string;
  /** This instance: never retired by itself. */
  clientId: string;
  /** An instance offline this long (as seen by this one) is retired. */
  afterMs: number;
  logger: Logger;
}

/**
 * Retires forwarder instances of the share group that stay offline. A stopped instance's persistent
 * session stays in the shared subscription until it expires, and the broker keeps routing its share of
 * new punches there (round-robin over members, online or not), where they wait unseen. Connecting once
 * under its client id with clean start and no session expiry deletes that session, and with it its place
 * in the group; whatever it held is lost from the broker but not from the gateways, which publish every
 * unconfirmed punch again after their confirmation timeout — then only to live instances. An instance that
 * comes back later simply starts a new session (mqtt.js subscribes again when no session was kept).
 */
export class InstanceRetirer {
  readonly #offlineSince = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  readonly #pattern: string;
  #busy = false;
  retired = 0;

  constructor(private readonly o: RetirerOptions) {
    // the status topic with a wildcard for the instance level (forwarderStatusTopic would escape a `+`)
    const levels = forwarderStatusTopic(o.shareGroup, o.clientId).split('/');
    levels[4] = '+';
    this.#pattern = levels.join('/');
    o.client.on('message', this.#onMessage);
    o.client.on('connect', this.#subscribe);
    if (o.client.connected) this.#subscribe();
    this.#timer = setInterval(() => void this.sweep(), Math.min(o.afterMs, 60_000) / 2);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.o.client.off('message', this.#onMessage);
    this.o.client.off('connect', this.#subscribe);
  }

  readonly #subscribe = () => {
    this.o.client.subscribe(this.#pattern, { qos: 1 }, (err) => {
      if (err)
        this.o.logger.warn({ err }, 'cannot watch the forwarder group; stale instances are not retired');
    });
  };

  readonly #onMessage = (topic: string, payload: Buffer) => {
    const instance = instanceOf(topic, this.o.shareGroup);
    if (instance === undefined || topic === forwarderStatusTopic(this.o.shareGroup, this.o.clientId)) return;
    let state: unknown;
    try {
      state =
        payload.length === 0
          ? undefined
          : (JSON.parse(payload.toString('utf8')) as { state?: unknown }).state;
    } catch {
      state = undefined;
    }
    if (state === 'offline') {
      if (!this.#offlineSince.has(instance)) this.#offlineSince.set(instance, Date.now());
    } else this.#offlineSince.delete(instance);
  };

  /** Retires every instance offline for `afterMs` or longer. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (const [instance, since] of [...this.#offlineSince]) {
        if (now - since < this.o.afterMs) continue;
        await this.retire(instance, since);
      }
    } finally {
      this.#busy = false;
    }
  }

  private async retire(instance: string, since: number): Promise<void> {
    const { logger } = this.o;
    try {
      const stale = await connectAsync(this.o.brokerUrl, {
        ...this.o.connectOptions,
        clientId: instance,
        protocolVersion: 5,
        clean: true,
        reconnectPeriod: 0,
        properties: { sessionExpiryInterval: 0 },
      });
      await stale.endAsync();
      // an empty retained message deletes the status, so no instance retires it again
      await this.o.client.publishAsync(forwarderStatusTopic(this.o.shareGroup, instance), '', {
        qos: 1,
        retain: true,
      });
      this.#offlineSince.delete(instance);
      this.retired++;
      logger.warn(
        { instance, offline_since: new Date(since).toISOString() },
        'retired a forwarder instance that stayed offline: its session left the share group; gateways resend what it held',
      );
    } catch (err) {
      logger.warn({ err, instance }, 'cannot retire a stale forwarder instance; will try again');
    }
  }
}

function instanceOf(topic: string, shareGroup: string): string | undefined {
  const levels = topic.split('/');
  const group = forwarderStatusTopic(shareGroup, 'x').split('/')[3];
  return levels.length === 6 && levels[3] === group && levels[5] === 'status' ? levels[4] : undefined;
}
