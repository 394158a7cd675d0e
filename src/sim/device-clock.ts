import type { WallTime } from '../../protocol/zk/time.js';

/** A naive wall time as milliseconds on a zone-less axis (its fields read as UTC), for plain arithmetic. */
export function wallToMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

export function msToWall(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function hostWallMs(d: Date): number {
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());
}

/**
 * The terminal's clock: host local wall time plus an offset, naive like a real device's (zk-tcp §10).
 * SET_TIME moves the offset, so drift between gateway and device can be staged.
 */
export class DeviceClock {
  constructor(
    private offsetMs: number,
    private readonly hostNow: () => Date = () => new Date(),
  ) {}

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  now(): WallTime {
    return msToWall(hostWallMs(this.hostNow()) + this.offsetMs);
  }

  set(w: WallTime): void {
    this.offsetMs = wallToMs(w) - hostWallMs(this.hostNow());
  }
}
