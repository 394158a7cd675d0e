import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topicLevel } from '../event/index.js';
import { decodeConfirmation, PayloadError } from '../payload/index.js';
import type { ConfirmResult } from '../store/index.js';
import { confirmSubscription } from './topics.js';

/** What the listener needs from the store: remove confirmed entries. */
export interface Confirmable {
  confirm(ids: readonly string[], belongs?: (device: string) => boolean): Promise<ConfirmResult>;
}

export interface ConfirmationStats {
  /** Confirmation messages taken. */
  messages: number;
  /** Outbox entries removed. */
  confirmed: number;
  /** Ids with no unconfirmed entry here (confirmed twice, or never ours). */
  unknown: number;
  /** Ids of another device's punch than the topic names, and messages on another site's topic. */
  foreign: number;
  /** Messages that are not a confirmation at all. */
  invalid: number;
}

/**
 * The gateway's end of the confirmation loop: on `x05/v1/{site}/+/confirm` (persistent session, QoS 1) it
 * removes the entries Frappe now holds. The PUBACK goes out only once the removal is written (mqtt.js's
 * handleMessage hook), so a crash in between means the broker delivers the confirmation again. Bad
 * messages are counted and ignored: a confirmation can only ever remove punches of the device and site
 * its topic names, and never stops the gateway.
 */
export class ConfirmationListener {
  readonly stats: ConfirmationStats = { messages: 0, confirmed: 0, unknown: 0, foreign: 0, invalid: 0 };
  private readonly site: string;

  constructor(
    private readonly client: MqttClient,
    private readonly store: Confirmable,
    site: string,
    private readonly logger: Logger,
  ) {
    this.site = topicLevel(site);
    client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
      this.take(packet).then(
        () => done(),
        (err: unknown) => {
          // the store refused the write: no PUBACK, so the broker offers the confirmation again
          this.logger.error({ err, topic: packet.topic }, 'cannot record a confirmation; it will come again');
          done(err as Error);
        },
      );
    };
    client.on('connect', () => this.subscribe());
    if (client.connected) this.subscribe();
  }

  get subscription(): string {
    return confirmSubscription(this.site);
  }

  private subscribe(): void {
    this.client.subscribe(this.subscription, { qos: 1 }, (err, grants) => {
      const refused = grants?.some((g) => g.qos > 2);
      if (err || refused)
        this.logger.error(
          { err, subscription: this.subscription },
          'the broker refused the confirmation subscription (ACL?): punches will be resent until it is fixed',
        );
    });
  }

  private async take(packet: IPublishPacket): Promise<void> {
    const levels = packet.topic.split('/');
    const [, , site, device, kind] = levels;
    if (levels.length !== 5 || kind !== 'confirm' || device === undefined) return;
    this.stats.messages++;
    if (site !== this.site) {
      this.stats.foreign++;
      this.logger.warn({ topic: packet.topic }, 'confirmation for another site ignored');
      return;
    }
    let ids: string[];
    try {
      ids = decodeConfirmation(packet.payload as Buffer).ids;
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      this.stats.invalid++;
      this.logger.warn(
        { topic: packet.topic, reason: err.reason, path: err.path },
        'malformed confirmation ignored',
      );
      return;
    }
    const r = await this.store.confirm(ids, (owner) => topicLevel(owner) === device);
    this.stats.confirmed += r.confirmed;
    this.stats.unknown += r.unknown;
    this.stats.foreign += r.foreign;
    if (r.foreign > 0)
      this.logger.warn(
        { topic: packet.topic, ids: r.foreign },
        "confirmation named another device's punches; ignored",
      );
  }
}
