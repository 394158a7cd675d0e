import { formatWallTimeIn, wallTimeToInstant } from '../../event/index.js';
import type { RecentCounts } from '../../store/index.js';
import { html, type Markup } from './html.js';

const HOUR_MS = 3_600_000;

/** One hour of a terminal's day: its local start hour ("14") and the punches stored in it. */
export interface HourBar {
  hour: string;
  count: number;
}

/** Today's punches and the last 24 hours, hour by hour, the current one last. */
export interface PunchHours {
  today: number;
  hours: HourBar[];
}

/**
 * Hours and "today" in the terminal's own zone, so a site reads its own clock; the counts are by the
 * gateway's clock at storing, which a terminal with a wrong clock cannot move into another hour.
 */
export function punchHours(counts: RecentCounts, device: string, zone: string, nowMs: number): PunchHours {
  const wall = formatWallTimeIn(nowMs, zone);
  const hourStart = wallTimeToInstant(`${wall.slice(0, 13)}:00:00`, zone);
  const midnight = wallTimeToInstant(`${wall.slice(0, 10)} 00:00:00`, zone);
  const hours: HourBar[] = [];
  for (let i = 23; i >= 0; i--) {
    const from = hourStart - i * HOUR_MS;
    hours.push({
      hour: formatWallTimeIn(from, zone).slice(11, 13),
      count: counts.count(device, from, from + HOUR_MS),
    });
  }
  return { today: counts.count(device, midnight, hourStart + HOUR_MS), hours };
}

const W = 240;
const H = 64;
/** The bars stand on y = PLOT and reach up to y = TOP, under the "max" label. */
const PLOT = 52;
const TOP = 10;
const SLOT = W / 24;

/**
 * 24 bars, heights in proportion to the busiest hour; an hour without punches has a bar of height 0 (the
 * axis shows through). Labelled for screen readers by its title and desc, and each bar by its own title.
 */
export function hourChart(label: string, hours: readonly HourBar[]): Markup {
  const max = Math.max(0, ...hours.map((h) => h.count));
  const summary = max === 0 ? 'no punches' : hours.map((h) => `${h.hour}:00 ${h.count}`).join(', ');
  const bars = hours.map((h, i) => {
    const height = max === 0 ? 0 : (h.count / max) * (PLOT - TOP);
    const x = (i * SLOT + 1).toFixed(1);
    const y = (PLOT - height).toFixed(1);
    return html`<rect class="bar" x="${x}" y="${y}" width="${(SLOT - 2).toFixed(1)}" height="${height.toFixed(1)}" data-hour="${h.hour}" data-count="${h.count}"><title>${h.hour}:00 — ${h.count} punches</title></rect>`;
  });
  const ticks = hours.flatMap((h, i) =>
    i % 6 === 0 ? [html`<text x="${(i * SLOT + 1).toFixed(1)}" y="${H - 2}">${h.hour}:00</text>`] : [],
  );
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}: punches per hour, last 24 hours"><title>${label}: punches per hour, last 24 hours</title><desc>${summary}</desc><line class="axis" x1="0" y1="${PLOT + 0.5}" x2="${W}" y2="${PLOT + 0.5}"/>${bars}${ticks}<text x="1" y="7">max ${max}/h</text></svg>`;
}
