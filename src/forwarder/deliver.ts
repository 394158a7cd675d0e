import { setTimeout as sleep } from 'node:timers/promises';
import { decodePunchEvent, PayloadError } from '../event/codec.js';
import type { PunchEvent } from '../event/punch-event.js';
import { isTimeZone } from '../event/wall-clock.js';
import { FrappeError } from '../frappe/errors.js';
import type { FrappeWriter, WriteOutcome } from '../frappe/writer.js';
import type { Logger } from '../ops/log.js';
import { type RetryPolicy, retryDelayMs } from './backoff.js';
import { type DeadLetter, deadLetter } from './dead-letter.js';
import type { KeySerial } from './key-serial.js';

export interface ForwarderStats {
  received: number;
  /** Acknowledged to the broker (written, parked, or dead-lettered). */
  acked: number;
  synced: number;
  unmapped: number;
  /** Raw Log parked with status Error: HRMS refused the punch. */
  rejected: number;
  dryRun: number;
  deadLettered: number;
  /** Failed write attempts that will be tried again. */
  retries: number;
  /** Batches taken through all three stages (batching writers only). */
  batches: number;
  /** Frappe answers 401/403: consuming stops until it accepts the forwarder again. */
  paused: boolean;
  lastError: string | undefined;
}

export interface DeliveryDeps {
  forwarder: string;
  writer: FrappeWriter;
  logger: Logger;
  retry: RetryPolicy;
  stats: ForwarderStats;
  serial: KeySerial;
  /** Resolves once the broker holds the dead letter. */
  publishDeadLetter(dl: DeadLetter): Promise<void>;
  /** Consecutive failed attempts across messages, so a redelivery does not restart the backoff. */
  failures: { count: number };
}

/**
 * Takes one MQTT message to Frappe. true: acknowledge it (Frappe or the dead-letter topic holds it);
 * false: leave it unacknowledged, because the forwarder is stopping or the connection is gone — the broker
 * redelivers it on the resumed session.
 */
export async function deliver(
  deps: DeliveryDeps,
  topic: string,
  payload: Buffer,
  signal: AbortSignal,
): Promise<boolean> {
  deps.stats.received++;
  let event: PunchEvent;
  try {
    event = decodePunchEvent(payload);
    if (!isTimeZone(event.timezone))
      throw new PayloadError('not an IANA time zone this Node knows', 'timezone');
  } catch (err) {
    if (!(err instanceof PayloadError)) throw err;
    const dl = deadLetter(err.reason, err.path, topic, payload, deps.forwarder);
    if (!(await untilAborted(deps.publishDeadLetter(dl), signal))) return false;
    deps.stats.deadLettered++;
    deps.logger.warn(
      { topic, reason: err.reason, path: err.path },
      'bad payload sent to the dead-letter topic',
    );
    return true;
  }
  const e = event;
  return deps.serial.run(e.user_id, () => writeWithRetry(deps, e, signal));
}

async function writeWithRetry(deps: DeliveryDeps, e: PunchEvent, signal: AbortSignal): Promise<boolean> {
  for (;;) {
    if (signal.aborted) return false;
    try {
      const outcome = await deps.writer.writePunch(e);
      deps.failures.count = 0;
      count(deps, e, outcome);
      return true;
    } catch (err) {
      const fe = err instanceof FrappeError ? err : undefined;
      const kind = fe?.kind ?? 'unexpected';
      const delayMs = retryDelayMs(deps.retry, kind, deps.failures.count++, fe?.retryAfterS);
      deps.stats.retries++;
      deps.stats.lastError = (err as Error).message;
      const ctx = { err, event: e.id, device: e.device_id, user: e.user_id, delayMs };
      if (kind === 'retryable') {
        deps.logger.warn(ctx, 'Frappe unavailable; punch stays unacknowledged, retrying');
      } else if (kind === 'auth') {
        deps.logger.error(
          ctx,
          'FRAPPE REFUSES THE FORWARDER: check frappe.api_key / api_secret and the API user roles (HR User or HR Manager); punches wait in the broker',
        );
      } else {
        deps.logger.error(ctx, 'cannot write this punch to Frappe; operator needed; retrying slowly');
      }
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return false;
      }
    }
  }
}

function count(deps: DeliveryDeps, e: PunchEvent, out: WriteOutcome): void {
  const s = deps.stats;
  const ctx = { event: e.id, device: e.device_id, user: e.user_id, status: out.status };
  switch (out.status) {
    case 'Synced':
      s.synced++;
      deps.logger.debug({ ...ctx, checkin: out.checkin, via: out.via }, 'punch written');
      break;
    case 'Unmapped':
      s.unmapped++;
      deps.logger.warn({ ...ctx, message: out.message }, 'no employee for this device user; Raw Log parked');
      break;
    case 'Error':
      s.rejected++;
      deps.logger.warn({ ...ctx, message: out.message }, 'HRMS refused the punch; Raw Log parked as Error');
      break;
    case 'DryRun':
      s.dryRun++;
      break;
  }
}

/** Waits for `p`; false if `signal` aborts first (p keeps running; its outcome is ignored). */
async function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<boolean>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p.then(() => true), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
