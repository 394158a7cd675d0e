import { isTimeZone, topicLevel } from '../event/index.js';

/**
 * The gateways' retained device statuses. Not shared: a broker sends retained messages to a normal
 * subscription only (MQTT 5 §4.8.2), so every forwarder sees every terminal's last status at start.
 */
export const DEVICE_STATUS_TOPIC = 'x05/v1/+/+/status';

/** What a gateway said of one terminal (src/device/poller.ts DeviceStatus, and the push receiver's). */
export interface TerminalStatus {
  site: string;
  device: string;
  state: 'online' | 'error';
  /** When the gateway said it: its `last_sync`, the time of the sync (or failed attempt) behind it. */
  atMs: number;
  name?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  mode?: 'PULL' | 'PUSH' | undefined;
  timezone?: string | undefined;
  clockOffsetS?: number | undefined;
  clockWarning?: boolean | undefined;
  error?: string | undefined;
  /** Slots of the terminal's log read so far (a pull's cursor). */
  records?: number | undefined;
  /** Newest punch stored, as the terminal stamped it (wall time in its zone). */
  lastPunch?: string | undefined;
  /** The site's outbox when the gateway said it: punches it holds that Frappe has not confirmed. */
  queued?: number | undefined;
}

/** A gateway's own retained status: `online` once connected, `offline` by its last will or a clean stop. */
export interface GatewayStatus {
  site: string;
  state: 'online' | 'offline';
}

const MAX_PAYLOAD = 16 * 1024;
const TEXT_MAX = 1000;
const TOPIC = /^x05\/v1\/([^/]+)\/([^/]+)\/status$/;

/**
 * A device status message as a TerminalStatus; undefined for what is not one (the gateway's own status,
 * a cleared retained message), a string saying why for a status that cannot be read. Site and device come
 * from the topic (a site's broker credentials may publish only under its own site); the payload's device
 * must be the one the topic names.
 */
export function readTerminalStatus(topic: string, payload: Buffer): TerminalStatus | string | undefined {
  const m = TOPIC.exec(topic);
  if (!m || m[2] === 'gateway' || payload.length === 0) return undefined;
  const p = jsonObject(payload);
  if (typeof p === 'string') return p;
  const device = text(p.device);
  if (!device || topicLevel(device) !== m[2]) return 'device does not match the topic';
  if (p.state !== 'online' && p.state !== 'error') return 'state is neither online nor error';
  const atMs = typeof p.last_sync === 'string' ? Date.parse(p.last_sync) : Number.NaN;
  if (!Number.isFinite(atMs)) return 'last_sync is not a time';
  const address = text(p.address);
  const colon = address?.lastIndexOf(':') ?? -1;
  const port = colon > 0 ? Number(address!.slice(colon + 1)) : Number.NaN;
  return {
    site: m[1]!,
    device,
    state: p.state,
    atMs,
    name: text(p.name),
    ...(Number.isInteger(port) && port > 0 && port < 65_536 ? { host: address!.slice(0, colon), port } : {}),
    mode: p.mode === 'PULL' || p.mode === 'PUSH' ? p.mode : undefined,
    timezone: typeof p.timezone === 'string' && isTimeZone(p.timezone) ? p.timezone : undefined,
    clockOffsetS: finite(p.clock_offset_s),
    clockWarning: typeof p.clock_warning === 'boolean' ? p.clock_warning : undefined,
    error: text(p.error),
    records: finite(p.records),
    lastPunch: text(p.last_punch),
    queued: finite(p.queued),
  };
}

const GATEWAY_TOPIC = /^x05\/v1\/([^/]+)\/gateway\/status$/;

/** `x05/v1/{site}/gateway/status` as a GatewayStatus; undefined for any other topic or payload. */
export function readGatewayStatus(topic: string, payload: Buffer): GatewayStatus | undefined {
  const m = GATEWAY_TOPIC.exec(topic);
  const state = payload.toString('utf8');
  return m && (state === 'online' || state === 'offline') ? { site: m[1]!, state } : undefined;
}

/** A status payload as a JSON object, or why it is not one; bounded, since any site may publish one. */
export function jsonObject(payload: Buffer): Record<string, unknown> | string {
  if (payload.length > MAX_PAYLOAD) return `payload of ${payload.length} bytes`;
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
    return v as Record<string, unknown>;
  } catch {
    return 'not JSON';
  }
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v.slice(0, TEXT_MAX) : undefined;
}

export function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
