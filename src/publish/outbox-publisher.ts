import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topicLevel } from '../event/index.js';
import type { OutboxEntry, SentMark } from '../store/index.js';
import { type ConfirmPolicy, confirmWaitMs } from './confirm-policy.js';
import { NoSubscriberWatch } from './no-subscriber.js';
import { RateLimiter } from './rate-limiter.js';
import { punchTopic } from './topics.js';

/** What the publisher needs from the store: the queued and overdue entries, and their state changes. */
export interface Outbox {
  readOutbox(limit: number, after?: string): Promise<OutboxEntry[]>;
  readDue(limit: number, nowMs: number, after?: Pick<OutboxEntry, 'key' | 'dueAt'>): Promise<OutboxEntry[]>;
  nextDue(): Promise<number | undefined>;
  markSent(marks: readonly SentMark[]): Promise<void>;
  removeFromOutbox(entries: readonly Pick<OutboxEntry, 'key' | 'device'>[]): Promise<void>;
  /** Entries the broker acknowledged that wait for their confirmation. */
  readonly sentAwaitingConfirmation: number;
  /** `queued`: new entries; `confirmed`: the keys of entries a confirmation removed (room in the window). */
  on(event: 'queued', fn: () => void): unknown;
  on(event: 'confirmed', fn: (count: number, keys: readonly string[]) => void): unknown;
  off(event: 'queued', fn: () => void): unknown;
  off(event: 'confirmed', fn: (count: number, keys: readonly string[]) => void): unknown;
}

export interface PublisherOptions {
  client: MqttClient;
  outbox: Outbox;
  site: string;
  logger: Logger;
  /**
   * How long a sent punch waits for the forwarder's confirmation before it goes out again; `false`: the
   * broker's PUBACK removes it (for a forwarder that sends no confirmations; the broker can then lose it).
   */
  confirm: ConfirmPolicy | false;
  /** Unacknowledged QoS 1 publishes allowed at once. */
  window?: number;
  /** Highest publish rate, messages/s (0 = unbounded), so a week's backlog does not flood the broker. */
  maxRate?: number;
  /** How often to look at the outbox when nothing signals new entries. */
  idleMs?: number;
  /** The clock resend times are reckoned in (tests). */
  now?: () => number;
}

export interface PublisherStats {
  /** PUBACKs with success, first sends and resends. */
  published: number;
  /** Of those, resends of punches whose confirmation was overdue. */
  resent: number;
  /** PUBACKs saying no subscriber matched (MQTT 5 reason 16): the punch stays queued. */
  noSubscriber: number;
  inFlight: number;
  /** Times a publish failed and the unacknowledged entries were read again from disk. */
  restarts: number;
}

const WRITE_BATCH = 256;
const WRITE_DELAY_MS = 20;
/**
 * With confirmations, an acknowledged entry is marked "sent" only after this grace: a forwarder that keeps
 * up confirms most punches within it, and confirming a still-queued entry is one delete, where marking it
 * sent first costs a second synced write per punch. Until marked, the entry stays queued on disk, so a
 * crash in between means a resend, never a loss.
 */
const SENT_MARK_GRACE_MS = 1000;
const SENT_MARK_BATCH = 4096;

/**
 * Drains the outbox to MQTT at QoS 1, oldest first, with a sliding window of unacknowledged publishes and
 * pages read from disk (memory stays flat however large the backlog). mqtt.js sends in call order, so
 * per-device order holds on the wire.
 *
 * A broker's PUBACK does not mean a forwarder has the punch: a stock broker drops messages no subscription
 * matches, and more than its queue limit for an offline session. So an acknowledged entry only becomes
 * "sent"; the forwarder's confirmation removes it (ConfirmationListener), and a sent entry not confirmed in
 * time is published again, the longest overdue first, under the same rate limit, with the wait doubling up
 * to a cap. A PUBACK with reason 16 (no matching subscribers) is no delivery at all: the entry stays queued
 * and publishing pauses, probing with one punch at a time, until a subscriber appears.
 */
export class OutboxPublisher {
  readonly stats: PublisherStats = { published: 0, resent: 0, noSubscriber: 0, inFlight: 0, restarts: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private slotWaiters: Array<() => void> = [];
  /** Acknowledged entries whose new state is not written yet; never read again as due meanwhile. */
  private readonly unsettled = new Set<string>();
  private marks: SentMark[] = [];
  private acked: OutboxEntry[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private failed = false;
  /** No sent entry falls due before this (ms): the due index is not read until then. */
  private dueCheckAt = 0;
  private readonly window: number;
  private readonly rate: RateLimiter;
  private readonly now: () => number;
  private readonly noSubscriber: NoSubscriberWatch;
  private readonly onQueued = () => this.wake?.();
  /**
   * Entries a confirmation removed: those still waiting for their "sent" state to be written need none, and
   * none of them can be read again, so they leave the window at once.
   */
  private readonly onConfirmed = (_count: number, keys: readonly string[]) => {
    const gone = new Set(keys);
    this.marks = this.marks.filter((m) => !gone.has(m.entry.key));
    for (const key of keys) this.unsettled.delete(key);
    this.wake?.();
  };

  constructor(private readonly opts: PublisherOptions) {
    this.window = opts.window ?? 256;
    this.rate = new RateLimiter(opts.maxRate ?? 0);
    this.now = opts.now ?? Date.now;
    this.noSubscriber = new NoSubscriberWatch(opts.client);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.outbox.on('queued', this.onQueued);
    this.opts.outbox.on('confirmed', this.onConfirmed);
    this.loop = this.run();
  }

  /**
   * Stops reading the outbox and waits up to `drainMs` for the PUBACKs of what is in flight; entries still
   * unacknowledged then simply stay in the outbox and go out again on the next start.
   */
  async stop(drainMs = 3000): Promise<void> {
    this.running = false;
    this.opts.outbox.off('queued', this.onQueued);
    this.opts.outbox.off('confirmed', this.onConfirmed);
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
    this.noSubscriber.detach();
  }

  private async run(): Promise<void> {
    let after: string | undefined;
    let dueAfter: OutboxEntry | undefined;
    while (this.running) {
      const hold = this.noSubscriber.holdMs();
      if (this.failed || hold > 0) {
        // the connection broke, or nobody subscribes: let what is in flight settle, then read again from
        // the oldest entry
        await this.drained();
        await this.flush();
        if (this.failed) this.stats.restarts++;
        this.failed = false;
        after = undefined;
        dueAfter = undefined;
        this.dueCheckAt = 0;
        if (hold > 0) this.logHold(hold);
        await this.idle(hold > 0 ? hold : 500);
        this.noSubscriber.probe();
        continue;
      }
      let page: OutboxEntry[];
      try {
        page = await this.nextPage(after, dueAfter);
      } catch (err) {
        this.opts.logger.error({ err }, 'cannot read the outbox; retrying');
        await this.idle(1000);
        continue;
      }
      const resends = page.length > 0 && page[0]!.attempts > 0;
      if (resends) dueAfter = page[page.length - 1];
      else dueAfter = undefined;
      const fresh = page.filter((e) => !this.unsettled.has(e.key));
      if (page.length === 0 || (!resends && this.windowFull())) {
        // nothing to send, or as many unconfirmed as allowed: a confirmation or a new punch wakes the loop
        await this.idle(await this.idleMs());
        continue;
      }
      for (const entry of fresh) {
        await this.slot();
        if (!this.running || this.failed || this.noSubscriber.holdMs() > 0) break;
        if (!resends && this.windowFull()) break;
        await this.rate.take();
        this.publish(entry);
        if (!resends) after = entry.key;
      }
      // every entry of a due page is waiting for its state to be written: give the writes a moment
      if (resends && fresh.length === 0) await this.idle(WRITE_DELAY_MS);
    }
    await this.drained();
  }

  /** As many punches sent and unconfirmed (or about to be) as the confirmation window allows. */
  private windowFull(): boolean {
    const { confirm, outbox } = this.opts;
    return confirm !== false && outbox.sentAwaitingConfirmation + this.unsettled.size >= confirm.window;
  }

  /** Overdue sent entries first (they are older than anything queued), then the next queued page. */
  private async nextPage(
    after: string | undefined,
    dueAfter: OutboxEntry | undefined,
  ): Promise<OutboxEntry[]> {
    const { outbox } = this.opts;
    if (this.opts.confirm && this.now() >= this.dueCheckAt) {
      const due = await outbox.readDue(this.window, this.now(), dueAfter);
      if (due.length > 0) return due;
      // entries still in flight or being written may be due now: look again shortly, not at once
      this.dueCheckAt = Math.max(
        (await outbox.nextDue()) ?? Number.POSITIVE_INFINITY,
        this.now() + WRITE_DELAY_MS,
      );
    }
    return outbox.readOutbox(this.window, after);
  }

  /** Until the next entry falls due, at most `idleMs`; new entries wake the loop early. */
  private async idleMs(): Promise<number> {
    const idle = this.opts.idleMs ?? 1000;
    if (!this.opts.confirm) return idle;
    return Math.max(10, Math.min(idle, this.dueCheckAt - this.now()));
  }

  private publish(entry: OutboxEntry): void {
    const { client, site } = this.opts;
    this.stats.inFlight++;
    this.unsettled.add(entry.key);
    const topic = punchTopic(topicLevel(site), topicLevel(entry.device));
    client.publishAsync(topic, entry.payload, { qos: 1 }).then(
      (packet) => {
        if (this.noSubscriber.refused(packet?.messageId)) {
          this.stats.noSubscriber++;
          this.unsettled.delete(entry.key);
        } else {
          this.stats.published++;
          if (entry.attempts > 0) this.stats.resent++;
          this.settle(entry);
        }
        this.release();
      },
      (err: unknown) => {
        if (!this.failed)
          this.opts.logger.warn({ err, key: entry.key }, 'publish failed; the outbox keeps the punch');
        this.failed = true;
        this.unsettled.delete(entry.key);
        this.release();
      },
    );
  }

  /** A successful PUBACK: the entry waits for its confirmation, or leaves at once without confirmations. */
  private settle(entry: OutboxEntry): void {
    const { confirm } = this.opts;
    if (confirm) {
      const dueAt = this.now() + confirmWaitMs(confirm, entry.attempts);
      this.marks.push({ entry, dueAt });
      this.dueCheckAt = Math.min(this.dueCheckAt, dueAt);
    } else this.acked.push(entry);
    const [batch, delay] = confirm ? [SENT_MARK_BATCH, SENT_MARK_GRACE_MS] : [WRITE_BATCH, WRITE_DELAY_MS];
    if (this.marks.length + this.acked.length >= batch) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), delay);
  }

  private slot(): Promise<void> {
    const limit = this.noSubscriber.probing ? 1 : this.window;
    if (this.stats.inFlight < limit) return Promise.resolve();
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

  /** Writes the state changes of acknowledged entries in one synced batch; a failure only means a resend. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const marks = this.marks.splice(0);
    const acked = this.acked.splice(0);
    if (marks.length + acked.length === 0) return this.flushing;
    const { outbox, logger } = this.opts;
    this.flushing = this.flushing
      .then(async () => {
        if (marks.length > 0) await outbox.markSent(marks);
        if (acked.length > 0) await outbox.removeFromOutbox(acked);
      })
      .catch((err: unknown) =>
        logger.error({ err }, 'cannot record published punches; they will be sent again'),
      )
      .finally(() => {
        for (const m of marks) this.unsettled.delete(m.entry.key);
        for (const e of acked) this.unsettled.delete(e.key);
      });
    return this.flushing;
  }

  private logHold(holdMs: number): void {
    if (!this.noSubscriber.firstHold()) return;
    this.opts.logger.warn(
      { retry_ms: holdMs },
      'the broker has no subscriber for punches (is the forwarder running?); they stay queued and are offered again',
    );
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
