import type { PunchEvent } from '../event/index.js';
import type { FrappeClient, FrappeDoc } from './client.js';
import { DEVICE_DOCTYPE } from './doctype-seed.js';
import type { FrappeError } from './errors.js';
import { insertManyIsolating } from './insert-many.js';
import { listWhereIn } from './list-in.js';

export type DeviceMode = 'PULL' | 'PUSH' | 'FILE';
export type DeviceState = 'online' | 'error' | 'offline';

/** The Biometric Device fields the forwarder keeps (doctype-seed.ts); Datetimes in naive site time. */
export interface DeviceFields {
  device_name?: string;
  site?: string;
  host?: string;
  port?: number;
  mode?: DeviceMode;
  timezone?: string;
  state?: DeviceState;
  last_sync_at?: string;
  last_punch_at?: string;
  last_status_at?: string;
  clock_offset_s?: number;
  clock_warning?: 0 | 1;
  sync_overdue?: 0 | 1;
  last_error?: string;
  last_cursor?: string;
}

export type DeviceDoc = DeviceFields & { device_id: string };

/** A terminal's mode from how its punches arrive: pulled over TCP (or realtime), pushed, or imported. */
export function modeOfSource(source: PunchEvent['source']): DeviceMode {
  return source === 'push' ? 'PUSH' : source === 'file' ? 'FILE' : 'PULL';
}

export const DEVICE_FIELDS: ReadonlyArray<keyof DeviceFields> = [
  'device_name',
  'site',
  'host',
  'port',
  'mode',
  'timezone',
  'state',
  'last_sync_at',
  'last_punch_at',
  'last_status_at',
  'clock_offset_s',
  'clock_warning',
  'sync_overdue',
  'last_error',
  'last_cursor',
];

/** What `createMissingDevices` found: records there now (found or created) and the ones Frappe refused. */
export interface DeviceCreation {
  present: Set<string>;
  created: string[];
  refused: Array<{ device: string; error: FrappeError }>;
}

/**
 * Creates the Biometric Device records among `docs` that do not exist yet: one GET for the names, one
 * insert_many for the missing ones. A 409 means another forwarder (or setup) created it meanwhile, which
 * is as good. Site-wide failures (`retryable`, `auth`) are thrown for the caller to retry.
 */
export async function createMissingDevices(
  client: FrappeClient,
  docs: readonly DeviceDoc[],
): Promise<DeviceCreation> {
  const rows = await listWhereIn<FrappeDoc>(
    client,
    DEVICE_DOCTYPE,
    ['name'],
    'name',
    docs.map((d) => d.device_id),
  );
  const present = new Set(rows.map((r) => r.name));
  const missing = docs.filter((d) => !present.has(d.device_id));
  const results = await insertManyIsolating(
    client,
    missing.map((d) => ({ doctype: DEVICE_DOCTYPE, ...d })),
  );
  const out: DeviceCreation = { present, created: [], refused: [] };
  missing.forEach((d, i) => {
    const r = results[i]!;
    if (!('error' in r)) {
      out.created.push(d.device_id);
      present.add(d.device_id);
    } else if (r.error.kind === 'duplicate') present.add(d.device_id);
    else out.refused.push({ device: d.device_id, error: r.error });
  });
  return out;
}

/** Every Biometric Device record with the fields the forwarder keeps, keyed by name (= serial). */
export async function readDevices(client: FrappeClient): Promise<Map<string, DeviceFields>> {
  const rows = await client.getList<FrappeDoc>(DEVICE_DOCTYPE, {
    fields: ['name', ...DEVICE_FIELDS],
    limit: 0,
  });
  return new Map(rows.map((r) => [r.name, normalise(r)]));
}

/** Frappe's answer in the form the forwarder compares with: no nulls, datetimes without a fraction. */
function normalise(row: Record<string, unknown>): DeviceFields {
  const out: Record<string, unknown> = {};
  for (const k of DEVICE_FIELDS) {
    const v = row[k];
    if (v === null || v === undefined || v === '') continue;
    out[k] = k.endsWith('_at') && typeof v === 'string' ? v.slice(0, 19) : v;
  }
  return out as DeviceFields;
}
