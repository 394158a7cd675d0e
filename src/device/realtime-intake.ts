import { GatewayError } from '../../protocol/errors.js';
import type { PunchEvent } from '../event/index.js';

/** Stops and restarts reading a terminal's stream (a TCP socket); UDP has none. */
export interface ReadFlow {
  pause(): void;
  resume(): void;
}

/** More realtime events waiting than a link without flow control (UDP) may hold; the session ends. */
export class RealtimeOverflowError extends GatewayError {
  constructor(
    readonly device: string,
    readonly waiting: number,
  ) {
    super(
      'X05_SESSION',
      `device ${device}: ${waiting} realtime events waiting for the store on a link that cannot be paused; ` +
        'the session restarts and its catch-up read collects them from the log',
    );
  }
}

export interface IntakeLimits {
  /** Events waiting at which reading pauses (TCP) or the session ends (UDP). Default 2,000. */
  highWater: number;
  /** Reading resumes once no more than this many wait. Default 500. */
  lowWater: number;
  /** Largest store write. Default 1,000. */
  batch: number;
}

const DEFAULT_LIMITS: IntakeLimits = { highWater: 2000, lowWater: 500, batch: 1000 };

/**
 * Realtime events on their way to the store. A terminal may send events faster than synced writes keep up
 * (a flood, a replayed backlog): events are written in batches, at most one write in flight per terminal so
 * the store's queue serves every terminal in turn, and past `highWater` the socket is paused, so the
 * terminal meets TCP backpressure instead of the gateway's memory growing. A failed write ends the intake:
 * the session ends and its next catch-up read stores what was lost from memory (it is still in the log).
 */
export class RealtimeIntake {
  private pending: PunchEvent[] = [];
  private draining: Promise<void> | undefined;
  private paused = false;
  private failure: Error | undefined;
  private closed = false;
  private readonly limits: IntakeLimits;

  constructor(
    private readonly device: () => string,
    private readonly store: (events: PunchEvent[]) => Promise<void>,
    private readonly flow: ReadFlow | undefined,
    private readonly onFailure: (err: Error) => void,
    limits: Partial<IntakeLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get waiting(): number {
    return this.pending.length;
  }

  push(event: PunchEvent): void {
    if (this.failure || this.closed) return;
    this.pending.push(event);
    if (!this.paused && this.pending.length >= this.limits.highWater) {
      if (!this.flow) {
        this.fail(new RealtimeOverflowError(this.device(), this.pending.length));
        return;
      }
      this.flow.pause();
      this.paused = true;
    }
    // started after the current socket chunk is handed over, so its events go in one write
    this.draining ??= Promise.resolve().then(() => this.drain());
  }

  /**
   * Takes no more events and resumes reading, so the answer to a closing request is not stuck behind a
   * paused socket; resolves once the events already taken are stored, rejects with what ended the intake.
   * Events refused from here on are still in the terminal's log, past the cursor: the next catch-up read
   * stores them.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.paused) {
      this.paused = false;
      this.flow?.resume();
    }
    while (this.draining) await this.draining;
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0 && !this.failure) {
      const batch = this.pending.splice(0, this.limits.batch);
      try {
        await this.store(batch);
      } catch (err) {
        this.fail(err as Error);
      }
      if (this.paused && !this.closed && this.pending.length <= this.limits.lowWater) {
        this.paused = false;
        this.flow?.resume();
      }
    }
    this.draining = undefined;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.pending = [];
    this.onFailure(err);
  }
}
