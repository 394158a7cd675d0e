import type { PunchEvent } from '../event/index.js';
import type { BatchItem, CheckinResult, FrappeBatchWriter } from '../frappe/index.js';
import type { AckSlot } from './ack-window.js';
import type { HeldPunches } from './confirmer.js';
import { type DeadLetter, deadLetter } from './dead-letter.js';
import { readPunch } from './deliver.js';
import { Aborted, type RetryDeps, retrying } from './retry.js';
import type { ShiftSync } from './shift-sync.js';

export interface PipelineDeps extends RetryDeps {
  forwarder: string;
  writer: FrappeBatchWriter;
  /** ≤ 200 (frappe.client.insert_many's cap, frappe §2). */
  batchSize: number;
  /** How long the first punch of a batch waits for company before the batch goes out anyway. */
  lingerMs: number;
  stopping: AbortSignal;
  /** Resolves once the broker holds the dead letter. */
  publishDeadLetter(dl: DeadLetter): Promise<void>;
  /** Tells the punch's gateway that Frappe holds it. */
  confirmer: HeldPunches;
  /** Shift Type last_sync_of_checkin, when shift types are configured. */
  shiftSync?: ShiftSync | undefined;
  /** Told of the punches Frappe holds, to keep their terminals' records (never awaited: it writes on its own). */
  devices?: { punches(events: readonly PunchEvent[]): void } | undefined;
}

interface Job {
  /** The topic it came on: its confirmation goes back under the same site and device levels. */
  topic: string;
  event: PunchEvent;
  slot: AckSlot;
}

/**
 * Groups decoded punches into batches and takes each batch through the writer's three stages. Raw Log and
 * status stages of several batches overlap; the Checkin stage runs one batch at a time in the order the
 * batches were formed (a lane), which keeps each employee's punches in arrival order and never lets two
 * writes of one employee race HRMS's duplicate check (frappe §4, rule 3). Each stage is retried on
 * its own by error class; a punch is acknowledged when its whole batch is done.
 */
export class BatchPipeline {
  readonly #deps: PipelineDeps;
  #open: Job[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lane: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(deps: PipelineDeps) {
    this.#deps = deps;
  }

  /** Takes one MQTT message; bad payloads go to the dead-letter topic, good ones into the open batch. */
  submit(topic: string, payload: Buffer, slot: AckSlot): void {
    const d = this.#deps;
    d.stats.received++;
    const read = readPunch(topic, payload, d.forwarder);
    if ('letter' in read) {
      this.track(this.sendDeadLetter(read.letter, [slot]));
      d.logger.warn(
        { topic, reason: read.letter.reason, path: read.letter.path },
        'bad payload sent to the dead-letter topic',
      );
      return;
    }
    const { event } = read;
    d.shiftSync?.received(event.device_id);
    this.#open.push({ topic, event, slot });
    if (this.#open.length >= d.batchSize) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), d.lingerMs);
  }

  /** Runs `fn` in its own turn of the Checkin lane (after the batches formed so far, before later ones). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.#lane;
    let release!: () => void;
    this.#lane = new Promise<void>((resolve) => {
      release = resolve;
    });
    return before.then(fn).finally(() => release());
  }

  /** Waits for every batch in hand (or `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    this.flush();
    const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.allSettled([...this.#inFlight]), timer]);
  }

  private flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const jobs = this.#open;
    this.#open = [];
    if (jobs.length === 0) return;
    // reserve this batch's turn in the Checkin lane now, in formation order
    const before = this.#lane;
    let release!: () => void;
    this.#lane = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.track(this.run(jobs, before, release).finally(() => release()));
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => {
        this.#deps.stats.lastError = (err as Error).message;
        this.#deps.logger.error({ err }, 'batch left unacknowledged after an unexpected failure');
      })
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  private async run(jobs: Job[], laneBefore: Promise<void>, leaveLane: () => void): Promise<void> {
    const d = this.#deps;
    const written = new Map<Job, string>();
    const signal = AbortSignal.any([d.stopping, ...new Set(jobs.map((j) => j.slot.connection))]);
    try {
      const items = await retrying(d, 'prepare', signal, () => d.writer.prepare(jobs.map((j) => j.event)));
      const states = await retrying(d, 'Raw Log lookup', signal, () => d.writer.findRawLogs(items));
      // a final Raw Log is written last, so it means an earlier delivery finished: only the PUBACK was lost
      const todo = jobs.flatMap((job, i) => {
        const st = states[i]!;
        if (st.kind === 'existing' && st.status !== 'Pending') {
          d.stats.synced += st.status === 'Synced' ? 1 : 0;
          this.ack(job);
          return [];
        }
        return [i];
      });
      if (todo.length === 0) return;
      const todoItems: BatchItem[] = todo.map((i) => items[i]!);
      const todoStates = todo.map((i) => states[i]!);
      await laneBefore;
      // always look before inserting: a redelivered punch may have its Checkin from a write that died
      // before its Raw Log (a crash, a timeout that still committed, frappe §3); one GET per batch
      const results = await retrying(d, 'Checkin insert', signal, () => d.writer.writeCheckins(todoItems));
      // the next batch's Checkins may go while this one's Raw Logs are written
      leaveLane();
      const refused = await retrying(d, 'Raw Log insert', signal, () =>
        d.writer.recordRawLogs(todoItems, results, todoStates),
      );
      const letters: Array<Promise<void>> = [];
      todo.forEach((i, k) => {
        const job = jobs[i]!;
        const why = refused[k];
        if (why !== undefined) {
          const payload = Buffer.from(JSON.stringify(job.event));
          const dl = deadLetter(`Frappe refused the Raw Log: ${why}`, '', job.topic, payload, d.forwarder);
          letters.push(this.sendDeadLetter(dl, [job.slot]));
          return;
        }
        this.count(job, results[k]!);
        written.set(job, todoItems[k]!.plan.addLog.timestamp);
        this.ack(job);
      });
      d.stats.batches++;
      d.devices?.punches(todo.flatMap((i, k) => (refused[k] === undefined ? [jobs[i]!.event] : [])));
      await Promise.all(letters);
    } catch (err) {
      for (const j of jobs) j.slot.done(false);
      if (!(err instanceof Aborted)) throw err;
    } finally {
      if (d.shiftSync) {
        for (const j of jobs) d.shiftSync.finished(j.event.device_id, written.get(j));
        await d.shiftSync.advance();
      }
    }
  }

  /**
   * Frappe holds it: its gateway may forget it, and its PUBACK goes out once those before it are done too
   * (AckWindow counts stats.acked).
   */
  private ack(job: Job): void {
    this.#deps.confirmer.held(job.topic, job.event.id);
    job.slot.done(true);
  }

  private count(job: Job, r: CheckinResult): void {
    const s = this.#deps.stats;
    const ctx = { event: job.event.id, device: job.event.device_id, user: job.event.user_id };
    if (r.status === 'Synced') s.synced++;
    else if (r.status === 'Unmapped') {
      s.unmapped++;
      this.#deps.logger.warn(
        { ...ctx, message: r.message },
        'no (active) employee for this device user; Raw Log parked as Unmapped',
      );
    } else {
      s.rejected++;
      this.#deps.logger.warn(
        { ...ctx, message: r.message },
        'HRMS refused the punch; Raw Log parked as Error',
      );
    }
  }

  private async sendDeadLetter(dl: DeadLetter, slots: AckSlot[]): Promise<void> {
    const d = this.#deps;
    const signal = AbortSignal.any([d.stopping, ...slots.map((s) => s.connection)]);
    try {
      await retrying(d, 'dead letter', signal, () => d.publishDeadLetter(dl));
    } catch (err) {
      for (const s of slots) s.done(false);
      if (err instanceof Aborted) return;
      throw err;
    }
    d.stats.deadLettered++;
    for (const s of slots) s.done(true);
  }
}
