import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { GatewayError } from '../../protocol/errors.js';
import { FrappeError } from '../frappe/index.js';
import { type RetryPolicy, retryDelayMs } from './backoff.js';
import type { ForwarderStats } from './stats.js';
import type { StatusReporter } from './status.js';

export interface RetryDeps {
  retry: RetryPolicy;
  logger: Logger;
  stats: ForwarderStats;
  /** Consecutive failures across calls, so a new batch does not restart the backoff of an outage. */
  failures: { count: number };
  /** The retained status topic: auth_paused while Frappe refuses the key, running again after. */
  status?: StatusReporter | undefined;
}

/** The stop or the connection loss that ended a retry loop; the messages stay unacknowledged. */
export class Aborted extends GatewayError {
  constructor() {
    super('X05_CONTROL', 'retry given up: the forwarder stops or lost the message');
  }
}

/**
 * Runs `fn` until it succeeds. By class (frappe §3): `retryable` (429 with its Retry-After, 5xx,
 * proxy pages, timeouts, refused connections) backs off with capped doubling; `auth` (401/403) pauses the
 * forwarder — stats.paused, the retained status `auth_paused`, one loud log line — and probes slowly
 * until an operator fixes the key or roles; anything else is unexpected (per-document refusals are
 * handled inside the stages) and is retried slowly. `attempt` > 0 tells `fn` an earlier attempt may have landed.
 */
export async function retrying<T>(
  deps: RetryDeps,
  what: string,
  signal: AbortSignal,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  // not checked before a call: on stop, a batch in hand finishes its stages and is acknowledged
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await fn(attempt);
      deps.failures.count = 0;
      // only a call that failed before proves Frappe accepts the key again: a first try may not have
      // talked to Frappe at all (prepare with a known zone, a dead letter), and resuming on it made the
      // status flap between auth_paused and running with every new batch
      if (deps.stats.paused && attempt > 0) {
        deps.stats.paused = false;
        deps.logger.warn({ what }, 'Frappe accepts the forwarder again; resuming');
        deps.status?.running();
      }
      return out;
    } catch (err) {
      const fe = err instanceof FrappeError ? err : undefined;
      const kind = fe?.kind ?? 'unexpected';
      const delayMs = retryDelayMs(deps.retry, kind, deps.failures.count++, fe?.retryAfterS);
      deps.stats.retries++;
      deps.stats.lastError = (err as Error).message;
      const ctx = { err, what, attempt, delayMs };
      if (kind === 'retryable') {
        deps.logger.warn(ctx, 'Frappe unavailable; punches stay unacknowledged, retrying');
      } else if (kind === 'auth') {
        if (!deps.stats.paused) {
          deps.logger.error(
            ctx,
            'FRAPPE REFUSES THE FORWARDER: check frappe.api_key / api_secret and the API user roles (HR User and Biometric Integration); consuming paused, punches wait in the broker',
          );
        }
        deps.stats.paused = true;
        deps.status?.authPaused((err as Error).message);
      } else {
        deps.logger.error(ctx, 'unexpected failure writing to Frappe; retrying slowly');
      }
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        throw new Aborted();
      }
    }
  }
}
