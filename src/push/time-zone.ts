import { formatWallTimeIn } from '../event/index.js';

/** UTC offset of an IANA zone at an instant, in minutes (Asia/Kolkata → 330, America/New_York in July → -240). */
export function zoneOffsetMinutes(zone: string, at: Date = new Date()): number {
  const ms = Math.floor(at.getTime() / 1000) * 1000;
  const wall = Date.parse(`${formatWallTimeIn(ms, zone).replace(' ', 'T')}Z`);
  return Math.round((wall - ms) / 60_000);
}

/** `+0530` / `-0400`, the Security PUSH `ServerTZ` form. */
export function offsetHHMM(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}
