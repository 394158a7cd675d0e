/** How long a sent punch waits for the forwarder's confirmation before it is published again. */
export interface ConfirmPolicy {
  /** The first wait after a send. */
  timeoutMs: number;
  /** Each further wait doubles, up to this. */
  capMs: number;
}

export const DEFAULT_CONFIRM: ConfirmPolicy = { timeoutMs: 300_000, capMs: 3_600_000 };

/**
 * The wait after a send that had `attempts` unconfirmed sends before it: the timeout, then doubling up to
 * the cap, so a forwarder down for a week is offered each punch about once an hour, not 2,000 times.
 */
export function confirmWaitMs(policy: ConfirmPolicy, attempts: number): number {
  return Math.min(policy.capMs, policy.timeoutMs * 2 ** Math.min(attempts, 30));
}
