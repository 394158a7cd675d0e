import type { FrappeErrorKind } from '../frappe/index.js';

export interface RetryPolicy {
  /** First delay after a retryable failure (429, 5xx, network, timeout). */
  initialMs: number;
  /** Cap of the doubling delay. */
  maxMs: number;
  /** Delay while an operator is needed (auth, a refusal of the audit record, an unexpected error). */
  slowMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, slowMs: 60_000 };

/**
 * How long to wait after the `failures`-th consecutive failure. Retryable: capped doubling with ±20 %
 * jitter so several forwarders do not hit a recovering site in step, never less than a 429's Retry-After.
 * Anything else will not heal by itself: retry slowly.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  kind: FrappeErrorKind | 'unexpected',
  failures: number,
  retryAfterS?: number,
): number {
  if (kind !== 'retryable') return policy.slowMs;
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures, 30));
  const jittered = base * (0.8 + Math.random() * 0.4);
  return Math.max(Math.round(jittered), (retryAfterS ?? 0) * 1000);
}
