import { finite, jsonObject } from './device-status.js';

/**
 * The gateways' retained health (src/app/gateway-health.ts publishes it every minute): the one place a
 * forwarder learns how many punches a site holds unconfirmed and how long the oldest has waited, which no
 * terminal status carries.
 */
export const SITE_HEALTH_TOPIC = 'x05/v1/+/gateway/health';

const TOPIC = /^x05\/v1\/([^/]+)\/gateway\/health$/;

/** What a gateway's health message says of its site. */
export interface SiteHealth {
  site: string;
  /** When the gateway wrote it. */
  atMs: number;
  /** Punches in its outbox: queued for the broker or sent and unconfirmed. */
  queued: number | undefined;
  unconfirmed: number | undefined;
  /** How long the oldest unconfirmed punch had waited when the gateway wrote this. */
  oldestUnconfirmedS: number | undefined;
  freeMb: number | undefined;
  diskLow: boolean;
  writeFailing: boolean;
}

/**
 * A health message as a SiteHealth; undefined for another topic or a cleared retained message, a string
 * saying why for one that cannot be read. The site comes from the topic, which the broker's ACL lets only
 * that site write.
 */
export function readSiteHealth(topic: string, payload: Buffer): SiteHealth | string | undefined {
  const m = TOPIC.exec(topic);
  if (!m || payload.length === 0) return undefined;
  const p = jsonObject(payload);
  if (typeof p === 'string') return p;
  const atMs = typeof p.at === 'string' ? Date.parse(p.at) : Number.NaN;
  if (!Number.isFinite(atMs)) return 'at is not a time';
  return {
    site: m[1]!,
    atMs,
    queued: finite(p.queued),
    unconfirmed: finite(p.unconfirmed),
    oldestUnconfirmedS: finite(p.oldest_unconfirmed_s),
    freeMb: finite(p.free_mb),
    diskLow: p.disk_low === true,
    writeFailing: p.write_failing === true,
  };
}
