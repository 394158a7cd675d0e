import { roomToReopen } from './disk.js';
import type { StoreError } from './store-error.js';

/** Why a store refuses writes: the error of the write that failed first, when, and how many failed since. */
export interface WriteFailure {
  error: StoreError;
  /** When the first write failed, ms. */
  since: number;
  /** Writes failed or refused since then, the first included. */
  failures: number;
}

/** What recovery needs from the store it watches. */
export interface RecoveryHooks {
  /** Runs `fn` in the store's order of operations, so no write overtakes or interleaves with a reopen. */
  serialised(fn: () => Promise<void>): Promise<void>;
  /** Closes and opens the database again and proves a write goes through; rejects when either fails. */
  reopen(): Promise<void>;
  emit(event: 'write-failed' | 'recovered', failure: Readonly<WriteFailure>): void;
  emit(event: 'recovery-failed', err: unknown): void;
}

/** How often a failing store looks at its filesystem for room to reopen. */
const CHECK_EVERY_MS = 1000;
/** Longest wait between two reopen attempts after they kept failing. */
const RETRY_CAP_MS = 60_000;
/** Room besides the logs to replay: a new log and manifest, and the probe write. */
const HEADROOM_BYTES = 1024 * 1024;

/**
 * Once a write failed, LevelDB is trusted with no other until the store has been closed and opened again.
 * A background error (a table or a synced log that could not be written, as on a full disk) fails every
 * later write by itself until then; and a log append that failed half-way leaves the log's buffered tail
 * undefined, so a write that seemed to go through after it could be dropped when the log is replayed.
 * Opening replays the log up to its last whole record and starts a new one. While writes fail, this looks
 * every second for room to do that, then reopens; a reopen that fails is tried again less and less often.
 */
export class WriteRecovery {
  private failure: WriteFailure | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs = CHECK_EVERY_MS;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly store: RecoveryHooks,
  ) {}

  /** Undefined while writes go through. */
  get current(): Readonly<WriteFailure> | undefined {
    return this.failure;
  }

  /** A write failed: from now on writes are refused until the store has reopened. */
  failed(error: StoreError): void {
    if (this.failure) {
      this.failure.failures++;
      return;
    }
    this.failure = { error, since: Date.now(), failures: 1 };
    this.store.emit('write-failed', this.failure);
    this.schedule(CHECK_EVERY_MS);
  }

  /** While writes fail: counts one more refused and returns the failure; undefined when writes go through. */
  refuse(): Readonly<WriteFailure> | undefined {
    if (this.failure) this.failure.failures++;
    return this.failure;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(), ms);
    // a store left failing must not keep a stopping process alive
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (!(await roomToReopen(this.dir, HEADROOM_BYTES).catch(() => false)))
      return this.schedule(CHECK_EVERY_MS);
    try {
      await this.store.serialised(async () => {
        if (this.stopped) return;
        await this.store.reopen();
        // cleared inside the store's order: writes queued behind the reopen are taken, none refused
        const ended = this.failure;
        this.failure = undefined;
        this.retryMs = CHECK_EVERY_MS;
        if (ended) this.store.emit('recovered', ended);
      });
    } catch (err) {
      this.store.emit('recovery-failed', err);
      this.retryMs = Math.min(RETRY_CAP_MS, this.retryMs * 2);
      this.schedule(this.retryMs);
    }
  }
}
