import type { PunchEvent } from '../event/index.js';
import { formatWallTimeIn, implausibleTime, wallTimeToInstant } from '../event/index.js';
import { type DeviceFields, type DeviceMode, type DeviceState, modeOfSource } from '../frappe/index.js';
import type { TerminalStatus } from './device-status.js';

/** The sidebar filter "Not Synced for a Day" (doctype-seed.ts says why it is a field). */
const OVERDUE_MS = 86_400_000;

/** What the forwarder knows of one terminal, in instants (placed in the site's zone only when written). */
export interface Terminal {
  device: string;
  site?: string | undefined;
  name?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  mode?: DeviceMode | undefined;
  /** A status named the mode: punches (a USB import of a pulled terminal) do not change it then. */
  modeFromStatus?: boolean;
  timezone?: string | undefined;
  state?: DeviceState | undefined;
  statusAtMs?: number | undefined;
  lastSyncMs?: number | undefined;
  lastPunchMs?: number | undefined;
  clockOffsetS?: number | undefined;
  clockWarning?: boolean | undefined;
  lastError?: string | undefined;
  cursor?: string | undefined;
}

/** A gateway's status of the terminal; one older than what is known (a replayed retained one) is ignored. */
export function applyStatus(t: Terminal, s: TerminalStatus, nowMs: number): void {
  if (t.statusAtMs !== undefined && s.atMs < t.statusAtMs) return;
  Object.assign(t, {
    site: s.site,
    statusAtMs: s.atMs,
    state: s.state,
    ...(s.name ? { name: s.name } : {}),
    ...(s.host ? { host: s.host, port: s.port } : {}),
    ...(s.mode ? { mode: s.mode, modeFromStatus: true } : {}),
    ...(s.timezone ? { timezone: s.timezone } : {}),
    ...(s.clockOffsetS !== undefined ? { clockOffsetS: s.clockOffsetS } : {}),
    ...(s.clockWarning !== undefined ? { clockWarning: s.clockWarning } : {}),
  });
  // an error status keeps the last good sync and says what failed
  if (s.state === 'online') t.lastSyncMs = Math.max(t.lastSyncMs ?? 0, s.atMs);
  else if (s.error) t.lastError = s.error;
  if (s.records !== undefined && t.mode === 'PULL') t.cursor = String(s.records);
  if (s.lastPunch && t.timezone) punchAt(t, s.lastPunch, t.timezone, nowMs);
}

/** A punch Frappe now holds: the terminal's site, zone, mode (unless a status named it) and last punch. */
export function applyPunch(t: Terminal, e: PunchEvent): void {
  t.site ??= e.site;
  t.timezone = e.timezone;
  if (!t.modeFromStatus) t.mode = modeOfSource(e.source);
  const received = Date.parse(e.received_at);
  // a file import sends no status: the gateway reading the file is that terminal's sync
  if (e.source === 'file') t.lastSyncMs = Math.max(t.lastSyncMs ?? 0, received);
  punchAt(t, e.device_time, e.timezone, received);
}

/** A punch time that cannot be real (a terminal clock reset to 2099) is not its last punch. */
function punchAt(t: Terminal, wall: string, zone: string, nowMs: number): void {
  if (implausibleTime(wall, zone, nowMs)) return;
  t.lastPunchMs = Math.max(t.lastPunchMs ?? 0, wallTimeToInstant(wall, zone));
}

/** The terminal as its record in Frappe has it (times are naive site time there). */
export function terminalFromRecord(device: string, r: DeviceFields, zone: string): Terminal {
  // a value edited in the desk into something else is left to the next status to set
  const at = (v: string | undefined) => {
    try {
      return v ? wallTimeToInstant(v, zone) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    device,
    site: r.site,
    name: r.device_name,
    host: r.host,
    port: r.port,
    mode: r.mode,
    timezone: r.timezone,
    state: r.state,
    statusAtMs: at(r.last_status_at),
    lastSyncMs: at(r.last_sync_at),
    lastPunchMs: at(r.last_punch_at),
    clockOffsetS: r.clock_offset_s,
    clockWarning: r.clock_warning === undefined ? undefined : r.clock_warning === 1,
    lastError: r.last_error,
    cursor: r.last_cursor,
  };
}

/** No status came for `staleAfterMs`: the gateway, or its link to the broker, has gone quiet. */
export const isStale = (statusAtMs: number | undefined, now: number, staleAfterMs: number): boolean =>
  statusAtMs !== undefined && now - statusAtMs >= staleAfterMs;

/**
 * The record's fields at `now`: offline once no status came for `staleAfterMs`, overdue once the last sync
 * is more than a day old. What the forwarder does not know is left out, so a write never clears a field.
 */
export function recordFields(t: Terminal, zone: string, now: number, staleAfterMs: number): DeviceFields {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : formatWallTimeIn(ms, zone));
  const stale = isStale(t.statusAtMs, now, staleAfterMs);
  const out: DeviceFields = {
    device_name: t.name,
    site: t.site,
    host: t.host,
    port: t.port,
    mode: t.mode,
    timezone: t.timezone,
    state: stale ? 'offline' : t.state,
    last_sync_at: time(t.lastSyncMs),
    last_punch_at: time(t.lastPunchMs),
    last_status_at: time(t.statusAtMs),
    clock_offset_s: t.clockOffsetS,
    clock_warning: t.clockWarning === undefined ? undefined : t.clockWarning ? 1 : 0,
    sync_overdue: t.lastSyncMs === undefined ? undefined : now - t.lastSyncMs > OVERDUE_MS ? 1 : 0,
    last_error: t.lastError,
    last_cursor: t.cursor,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as DeviceFields;
}
