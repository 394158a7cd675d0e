import { GatewayError } from '../../protocol/errors.js';

/**
 * Naive wall times and the instants they name in an IANA zone. Terminals stamp naive local time
 * (PunchEvent.device_time); the gateway measures drift with it and the forwarder re-expresses it in the
 * Frappe site's zone, which stores Datetime naive and converts nothing (frappe §4).
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;
const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** This host's IANA zone: the default for a terminal or site whose zone is not configured. */
export const hostTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `instantMs` in `zone` as ICU tells it, as if that wall time were UTC. */
function icuWallAsUtc(instantMs: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(instantMs)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

const HOUR_MS = 3_600_000;
/** Per zone, hours cached at most: a year and a half of distinct hours, well under 1 MB. */
const MAX_CACHED_HOURS = 15_000;
/** Per zone, UTC hour number → the zone's offset all through that hour, or null for an hour it changes in. */
const hourOffsets = new Map<string, Map<number, number | null>>();

/**
 * `zone`'s offset from UTC at `secondMs` (a whole second). An ICU call (formatToParts) costs microseconds
 * and the store checks every punch's time, the forwarder converts each to the site's zone, so an offset is
 * asked of ICU twice per UTC hour and zone, at the hour's first and last second: equal, no zone changes
 * offset twice within an hour, so it holds for the whole hour; different, that hour's instants are each
 * asked of ICU.
 */
function offsetAt(secondMs: number, zone: string): number {
  let hours = hourOffsets.get(zone);
  if (!hours) {
    hours = new Map();
    hourOffsets.set(zone, hours);
  }
  const hour = Math.floor(secondMs / HOUR_MS);
  let offset = hours.get(hour);
  if (offset === undefined) {
    const first = hour * HOUR_MS;
    const last = first + HOUR_MS - 1000;
    const atFirst = icuWallAsUtc(first, zone) - first;
    offset = icuWallAsUtc(last, zone) - last === atFirst ? atFirst : null;
    if (hours.size >= MAX_CACHED_HOURS) hours.clear();
    hours.set(hour, offset);
  }
  return offset ?? icuWallAsUtc(secondMs, zone) - secondMs;
}

/** The wall clock of `instantMs` in `zone`, to the second, as if that wall time were UTC (for offset arithmetic). */
function wallAsUtc(instantMs: number, zone: string): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  return second + offsetAt(second, zone);
}

function offsetMs(instantMs: number, zone: string): number {
  return wallAsUtc(instantMs, zone) - instantMs;
}

/** A device wall time that is not `YYYY-MM-DD[T ]HH:MM:SS`: the punch carrying it cannot be placed in time. */
export class WallTimeError extends GatewayError {
  constructor(readonly wall: string) {
    super('X05_RECORD', `not a wall time YYYY-MM-DD[T ]HH:MM:SS: ${JSON.stringify(wall)}`);
  }
}

function parseWall(wall: string): number {
  const m = WALL.exec(wall);
  if (!m) throw new WallTimeError(wall);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/**
 * The instant a naive wall time names in `zone`; when there is not exactly one, the earlier candidate
 * (Temporal's `disambiguation: 'earlier'`). Offsets are taken a day either side, which covers every zone
 * that changes offset at most once in 48 h.
 * - Repeated hour (autumn fall-back, e.g. Berlin 2024-10-27 02:30 happens at 00:30Z and 01:30Z): the
 *   first pass, 00:30Z. Nothing in the stamp tells the two apart.
 * - Skipped hour (spring-forward gap, e.g. Berlin 2024-03-31 02:30, which no correct clock shows): read
 *   with the offset after the change, 00:30Z (= 01:30 CET), the earlier of the two readings. Such a stamp
 *   comes from a device whose clock did not switch on time; either reading is a guess.
 */
export function wallTimeToInstant(wall: string, zone: string): number {
  const asUtc = parseWall(wall);
  const candidates = [asUtc - offsetMs(asUtc - DAY_MS, zone), asUtc - offsetMs(asUtc + DAY_MS, zone)];
  const matching = candidates.filter((t) => wallAsUtc(t, zone) === asUtc);
  return Math.min(...(matching.length > 0 ? matching : candidates));
}

/** `YYYY-MM-DD HH:MM:SS` of an instant in `zone`: the naive form Frappe stores (frappe §4). */
export function formatWallTimeIn(instantMs: number, zone: string): string {
  const iso = new Date(wallAsUtc(Math.floor(instantMs / 1000) * 1000, zone)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
