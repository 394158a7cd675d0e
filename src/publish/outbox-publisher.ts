import type { MqttClient } from 'mqtt';
import type { Logger } from '../ops/log.js';
import type { OutboxEntry } from '../store/punch-store.js';
import { RateLimiter } from './rate-limiter.js';
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
  /** Highest publish rate, messages/s (0 = unbounded), so a week's backlog does not flood the broker. */
  maxRate?: number;
  /** How often to look at the outbox when nothing signals new entries. */
  idleMs?: number;
}

export interface PublisherStats {
  /** Acknowledged by the broker (PUBACK) and removed from the outbox, or about to be. */
  published: number;
  inFlight: number;
  /** Times a publish failed and the unacknowledged entries were read again from disk. */
  restarts: number;
}

const DELETE_BATCH = 256;
const DELETE_DELAY_MS = 20;

/**
 * Drains the outbox to MQTT at QoS 1, oldest first, with a sliding window of unacknowledged publishes and
 * pages read from disk (memory stays flat however large the backlog). mqtt.js sends in call order, so
 * per-device order holds on the wire. An entry leaves the outbox only after the broker's PUBACK
 * (design.md, durability rules); deletions are batched, so a crash may resend a few acknowledged entries —
 * with the same id, which makes them one row downstream.
 */
export class OutboxPublisher {
  readonly stats: PublisherStats = { published: 0, inFlight: 0, restarts: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private slotWaiters: Array<() => void> = [];
  private acked: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private failed = false;
  private readonly window: number;
  private readonly rate: RateLimiter;
  private readonly onQueued = () => this.wake?.();

  constructor(private readonly opts: PublisherOptions) {
    this.window = opts.window ?? 256;
    this.rate = new RateLimiter(opts.maxRate ?? 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.outbox.on('queued', this.onQueued);
    this.loop = this.run();
  }

  /**
   * Stops reading the outbox and waits up to `drainMs` for the PUBACKs of what is in flight; entries still
   * unacknowledged then simply stay in the outbox and go out again on the next start.
   */
  async stop(drainMs = 3000): Promise<void> {
    this.running = false;
    this.opts.outbox.off('queued', this.onQueued);
    this.wake?.();
    for (const w of this.slotWaiters.splice(0)) w();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, drainMs);
    });
    await Promise.race([this.loop, gaveUp]);
    clearTimeout(timer);
    if (this.stats.inFlight > 0)
      this.opts.logger.warn(
        { in_flight: this.stats.inFlight },
        'stopping with publishes unacknowledged; they stay queued',
      );
    await this.flush();
  }

  private async run(): Promise<void> {
    let after: string | undefined;
    while (this.running) {
      if (this.failed) {
        // the connection broke: let what is in flight settle, then read again from the oldest entry
        await this.drained();
        await this.flush();
        this.failed = false;
        after = undefined;
        this.stats.restarts++;
        await this.idle(500);
        continue;
      }
      let page: OutboxEntry[];
      try {
        page = await this.opts.outbox.readOutbox(this.window, after);
      } catch (err) {
        this.opts.logger.error({ err }, 'cannot read the outbox; retrying');
        await this.idle(1000);
        continue;
      }
      if (page.length === 0) {
        await this.idle(this.opts.idleMs ?? 1000);
        continue;
      }
      for (const entry of page) {
        await this.slot();
        if (!this.running || this.failed) break;
        await this.rate.take();
        this.publish(entry);
        after = entry.key;
      }
    }
    await this.drained();
  }

  private publish({ key, device, payload }: OutboxEntry): void {
    const { client, site } = this.opts;
    this.stats.inFlight++;
    const topic = punchTopic(topicLevel(site), topicLevel(device));
    client.publishAsync(topic, payload, { qos: 1 }).then(
      () => {
        this.stats.published++;
        this.acked.push(key);
        this.scheduleFlush();
        this.release();
      },
      (err: unknown) => {
        if (!this.failed) this.opts.logger.warn({ err, key }, 'publish failed; the outbox keeps the punch');
        this.failed = true;
        this.release();
      },
    );
  }

  private slot(): Promise<void> {
    if (this.stats.inFlight < this.window) return Promise.resolve();
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private release(): void {
    this.stats.inFlight--;
    this.slotWaiters.shift()?.();
    if (this.stats.inFlight === 0) for (const w of this.slotWaiters.splice(0)) w();
    this.wake?.();
  }

  private async drained(): Promise<void> {
    while (this.stats.inFlight > 0) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
  }

  private scheduleFlush(): void {
    if (this.acked.length >= DELETE_BATCH) {
      void this.flush();
      return;
    }
    this.flushTimer ??= setTimeout(() => void this.flush(), DELETE_DELAY_MS);
  }

  /** Removes acknowledged entries in one synced batch; a failed delete only means a resend later. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const keys = this.acked.splice(0);
    if (keys.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(() => this.opts.outbox.removeFromOutbox(keys))
      .catch((err: unknown) =>
        this.opts.logger.error({ err }, 'cannot remove published punches; they will be sent again'),
      );
    return this.flushing;
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
