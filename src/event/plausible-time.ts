import { wallTimeToInstant } from './wall-clock.js';

/** The window a punch's time must fall in to become a Checkin (design.md, durability rules). */
export interface TimeBounds {
  /** Earliest device wall date, `YYYY-MM-DD`: earlier stamps come from a terminal whose clock was reset. */
  min: string;
  /** How far past the checking clock a punch may lie, seconds (a terminal a little fast, zones). */
  maxFutureS: number;
}

export const DEFAULT_TIME_BOUNDS: TimeBounds = { min: '2000-01-01', maxFutureS: 86_400 };

const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;

/**
 * Why a device wall time (`YYYY-MM-DDTHH:MM:SS` in `zone`) cannot be a real punch at `nowMs`, or undefined
 * when it can: a calendar value that does not exist (month 13, 30 February, hour 25), a date before
 * `bounds.min`, or an instant more than `bounds.maxFutureS` after `nowMs`.
 */
export function implausibleTime(
  wall: string,
  zone: string,
  nowMs: number,
  bounds: TimeBounds = DEFAULT_TIME_BOUNDS,
): string | undefined {
  if (!WALL.test(wall)) return `implausible time ${wall}: not YYYY-MM-DDTHH:MM:SS`;
  if (!isCalendarTime(wall)) return `implausible time ${wall}: no such date or time`;
  if (wall.slice(0, 10) < bounds.min) return `implausible time ${wall}: before ${bounds.min}`;
  const ahead = (wallTimeToInstant(wall, zone) - nowMs) / 1000;
  if (ahead > bounds.maxFutureS)
    return `implausible time ${wall}: ${Math.round(ahead / 3600)} h ahead of this clock`;
  return undefined;
}

/**
 * Whether a device wall time names a real moment a database datetime can hold: a date and time that exist
 * (no month 13, 30 February or hour 25), in years 1000–9999 (MariaDB's DATETIME range).
 */
export function isCalendarTime(wall: string): boolean {
  const m = WALL.exec(wall);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    y >= 1000 &&
    utc.getUTCFullYear() === y &&
    utc.getUTCMonth() === mo - 1 &&
    utc.getUTCDate() === d &&
    utc.getUTCHours() === h &&
    utc.getUTCMinutes() === mi &&
    utc.getUTCSeconds() === s
  );
}
