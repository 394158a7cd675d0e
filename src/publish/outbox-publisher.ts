import type { MqttClient } from 'mqtt';
import type { Logger } from '../ops/log.js';
import type { OutboxEntry } from '../store/punch-store.js';
import { punchTopic, topicLevel } from './topics.js';

/** What the publisher needs from the store: read the oldest entries, remove them once acknowledged. */
export interface Outbox {
  readOutbox(limit: number, after?: string): Promise<OutboxEntry[]>;
  removeFromOutbox(keys: readonly string[]): Promise<void>;
  on(event: 'queued', fn: () => void): unknown;
  off(event: 'queued', fn: () => void): unknown;
}

export interface PublisherOptions {
  client: MqttClient;
  outbox: Outbox;
  site: string;
  logger: Logger;
  /** Unacknowledged QoS 1 publishes allowed at once. */
  window?: number;
  /** How often to look at the outbox when nothing signals new entries. */
  idleMs?: number;
}

export interface PublisherStats {
  published: number;
}

/**
 * Drains the outbox to MQTT at QoS 1, oldest first, in bounded batches read from disk (memory does not
 * grow with the backlog). An entry leaves the outbox only after the broker's PUBACK (design.md, durability
 * rules); if the gateway dies first, the entry is sent again with the same id, and the id makes it one row.
 */
export class OutboxPublisher {
  readonly stats: PublisherStats = { published: 0 };
  private running = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly onQueued = () => this.wake?.();

  constructor(private readonly opts: PublisherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.outbox.on('queued', this.onQueued);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.opts.outbox.off('queued', this.onQueued);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const window = this.opts.window ?? 256;
    while (this.running) {
      let batch: OutboxEntry[];
      try {
        batch = await this.opts.outbox.readOutbox(window);
      } catch (err) {
        this.opts.logger.error({ err }, 'cannot read outbox');
        await this.idle(1000);
        continue;
      }
      if (batch.length === 0) {
        await this.idle(this.opts.idleMs ?? 1000);
        continue;
      }
      try {
        await this.publishBatch(batch);
      } catch (err) {
        // the broker went away mid-batch: entries stay in the outbox and are sent again
        this.opts.logger.warn({ err, queued: batch.length }, 'publish interrupted; will retry');
        await this.idle(500);
      }
    }
  }

  private async publishBatch(batch: OutboxEntry[]): Promise<void> {
    const { client, site } = this.opts;
    // mqtt.js sends in call order, so per-device order is kept on the wire
    await Promise.all(
      batch.map((entry) =>
        client.publishAsync(
          punchTopic(topicLevel(site), topicLevel(entry.event.device_id)),
          JSON.stringify(entry.event),
          {
            qos: 1,
          },
        ),
      ),
    );
    await this.opts.outbox.removeFromOutbox(batch.map((e) => e.key));
    this.stats.published += batch.length;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
