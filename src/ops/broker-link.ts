import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { redactUrl } from './log.js';

/** Retry spacing while a broker stays away: the first wait, doubled per attempt up to the cap. */
export interface BrokerBackoff {
  firstMs: number;
  maxMs: number;
}

export const BROKER_BACKOFF: BrokerBackoff = { firstMs: 1000, maxMs: 60_000 };

export interface BrokerLinkOptions {
  url: string;
  /** The line logged when the link goes down, and fields worth reading then (e.g. what is queued). */
  unreachable: string;
  fields?: () => Record<string, unknown>;
  backoff?: BrokerBackoff;
}

const errorKey = (err: Error | undefined) =>
  err === undefined ? '' : String((err as { code?: unknown }).code ?? err.message);

/**
 * Watches a client's link to its broker. It logs once per change of state — down (with the error that
 * took it down), a different error while down — instead of once per attempt, and spaces the attempts out:
 * 1 s, doubling to a minute with ±20 % jitter while the broker stays away, 1 s again once it is back. A
 * broker down for an hour was 3,600 error lines and as many connects; it is one line and about 70.
 * The caller logs the connect itself, with what it knows then.
 */
export function watchBrokerLink(client: MqttClient, logger: Logger, o: BrokerLinkOptions): void {
  const backoff = o.backoff ?? BROKER_BACKOFF;
  const broker = redactUrl(o.url);
  let lastError: Error | undefined;
  let reported: string | undefined;
  let waitMs = backoff.firstMs;
  client.options.reconnectPeriod = waitMs;

  client.on('error', (err) => {
    lastError = err;
    const key = errorKey(err);
    // while down, the first error is in the 'offline' line; only a new kind of failure is news
    if (reported === undefined || key === reported) return;
    reported = key;
    logger.warn({ err, broker }, 'broker still unreachable, failing differently');
  });
  client.on('offline', () => {
    reported = errorKey(lastError);
    logger.warn({ broker, ...(lastError ? { err: lastError } : {}), ...o.fields?.() }, o.unreachable);
  });
  client.on('reconnect', () => {
    waitMs = Math.min(backoff.maxMs, waitMs * 2);
    const next = Math.round(waitMs * (0.8 + Math.random() * 0.4));
    logger.debug({ broker, next_attempt_in_ms: next }, 'broker reconnect attempt');
    client.options.reconnectPeriod = next;
    // mqtt.js 5 sets its retry timer's period once, when the link drops, and has no backoff of its own:
    // stopping the timer at each attempt makes that attempt's failure start a new one with the period just set
    (client as unknown as { _clearReconnect?: () => void })._clearReconnect?.();
  });
  client.on('connect', () => {
    waitMs = backoff.firstMs;
    client.options.reconnectPeriod = waitMs;
    lastError = undefined;
    reported = undefined;
  });
}
