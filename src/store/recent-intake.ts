/**
 * Punches stored per device per quarter hour over the last day, for the ops page's "today" and its
 * punches-per-hour chart. Quarter hours, not hours: every zone's offset is a whole number of quarter
 * hours (Asia/Kolkata +5:30, Asia/Kathmandu +5:45), so a local midnight or hour always falls on a
 * bucket's edge and the counts read in a terminal's own zone are exact.
 */
export const QUARTER_MS = 900_000;
/** A day plus an hour: "today" reaches back at most 24 h, and a bucket is dropped only once past that. */
const KEEP_QUARTERS = 100;

/** A counter's place: the device and the quarter hour (ms since the epoch / QUARTER_MS). */
export interface QuarterKey {
  device: string;
  quarter: number;
}

/** The change one write makes: counters to set and counters to drop, applied once the write is durable. */
export interface RecentChange {
  put: Array<QuarterKey & { count: number }>;
  drop: QuarterKey[];
}

/** What the page reads: punches a device had stored in [fromMs, toMs), both on quarter-hour edges. */
export interface RecentCounts {
  count(device: string, fromMs: number, toMs: number): number;
}

/** `device NUL quarter`: device ids are printable, so NUL keeps the two apart (as the pending index does). */
export const quarterKey = (k: QuarterKey) => `${k.device}\u0000${k.quarter}`;

export function parseQuarterKey(key: string): QuarterKey {
  const nul = key.lastIndexOf('\u0000');
  return { device: key.slice(0, nul), quarter: Number(key.slice(nul + 1)) };
}

/**
 * The counters in memory. The store computes a change before its batch, writes the change's counters in
 * that batch, and applies it after: the counters on disk always count exactly the punches on disk.
 */
export class RecentIntake implements RecentCounts {
  private readonly byDevice = new Map<string, Map<number, number>>();
  /** The quarter up to which old buckets were last dropped: dropping runs once per quarter, not per write. */
  private sweptAt = 0;

  /** A counter as the store read it back at open; ones already too old are left for the next write to drop. */
  restore(k: QuarterKey, count: number): void {
    this.buckets(k.device).set(k.quarter, count);
  }

  /** The counters `devices` (stored punches per device) at `nowMs` would set, and the old ones to drop. */
  change(devices: ReadonlyMap<string, number>, nowMs: number): RecentChange {
    const quarter = Math.floor(nowMs / QUARTER_MS);
    const put = [...devices].map(([device, n]) => ({
      device,
      quarter,
      count: (this.byDevice.get(device)?.get(quarter) ?? 0) + n,
    }));
    const drop: QuarterKey[] = [];
    if (quarter !== this.sweptAt) {
      for (const [device, buckets] of this.byDevice)
        for (const q of buckets.keys()) if (q <= quarter - KEEP_QUARTERS) drop.push({ device, quarter: q });
    }
    return { put, drop };
  }

  /** Applies a change once the batch that carries it is written. */
  apply(c: RecentChange, nowMs: number): void {
    for (const p of c.put) this.buckets(p.device).set(p.quarter, p.count);
    for (const d of c.drop) {
      const buckets = this.byDevice.get(d.device);
      buckets?.delete(d.quarter);
      if (buckets?.size === 0) this.byDevice.delete(d.device);
    }
    this.sweptAt = Math.floor(nowMs / QUARTER_MS);
  }

  count(device: string, fromMs: number, toMs: number): number {
    const from = Math.floor(fromMs / QUARTER_MS);
    const to = Math.floor(toMs / QUARTER_MS);
    let n = 0;
    for (const [q, c] of this.byDevice.get(device) ?? []) if (q >= from && q < to) n += c;
    return n;
  }

  private buckets(device: string): Map<number, number> {
    let b = this.byDevice.get(device);
    if (!b) {
      b = new Map();
      this.byDevice.set(device, b);
    }
    return b;
  }
}
