/** How long a sent punch waits for the forwarder's confirmation before it is published again. */
export interface ConfirmPolicy {
  /** The first wait after a send. */
  timeoutMs: number;
  /** Each further wait doubles, up to this. */
  capMs: number;
  /**
   * Punches sent and not yet confirmed, at most; newer ones wait on disk. A forwarder that is down or slow
   * then gets no more than its broker session can queue (Mosquitto keeps 1,000 by default and drops the
   * rest), instead of a flood the broker drops and the gateway has to resend.
   */
  window: number;
}

export const DEFAULT_CONFIRM: ConfirmPolicy = { timeoutMs: 300_000, capMs: 3_600_000, window: 1000 };

/**
 * The wait after a send that had `attempts` unconfirmed sends before it: the timeout, then doubling up to
 * the cap, so a forwarder down for a week is offered each punch about once an hour, not 2,000 times.
 */
export function confirmWaitMs(policy: ConfirmPolicy, attempts: number): number {
  return Math.min(policy.capMs, policy.timeoutMs * 2 ** Math.min(attempts, 30));
}
