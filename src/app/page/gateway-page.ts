import type { DeviceReport, StatusReport } from '../../ops/index.js';
import { hourChart, type PunchHours } from './hour-chart.js';
import { html } from './html.js';
import { ago, drift, duration, type Level, levelWord, page, type Stage, stageList } from './layout.js';

/** What the gateway's page shows: its status report, each terminal's day of punches, and stage limits. */
export interface GatewayPage {
  title: string;
  report: StatusReport;
  /** By device id; a terminal missing here had nothing stored in the last day. */
  hours: ReadonlyMap<string, PunchHours>;
  /** Seconds an unconfirmed punch may wait before the gateway sends it again (publish.confirm_timeout_s). */
  confirmTimeoutS: number;
  /** Seconds after which the oldest unconfirmed punch fails /healthz (health.max_unconfirmed_age_s). */
  maxUnconfirmedAgeS: number;
  nowMs: number;
}

/**
 * The stages a punch goes through on its way out: kept on disk, handed to the broker, confirmed as held by
 * Frappe (what the gateway sees of Frappe is the confirmation coming back).
 */
export function gatewayStages(p: GatewayPage): Stage[] {
  const r = p.report;
  const w = r.store.write_error;
  const store: Stage = w
    ? { name: 'store', level: 'failing', detail: `writes failing since ${w.since}: ${w.error}` }
    : r.store.disk_low
      ? {
          name: 'store',
          level: 'failing',
          detail: `disk low, ${r.store.free_mb} MB free: new punches refused`,
        }
      : { name: 'store', level: 'ok', detail: `${r.store.store_mb} MB, ${r.store.free_mb} MB free` };
  const broker: Stage = r.broker.connected
    ? { name: 'broker', level: 'ok', detail: `connected, ${r.publish.in_flight} in flight` }
    : { name: 'broker', level: 'failing', detail: `disconnected: ${r.store.queued} punches wait on disk` };
  const stages = [store, broker];
  const c = r.confirm;
  if (c) {
    const level: Level =
      c.oldest_s > p.maxUnconfirmedAgeS ? 'failing' : c.oldest_s > p.confirmTimeoutS ? 'degraded' : 'ok';
    const detail = c.count
      ? `${c.count} unconfirmed, oldest waits ${duration(c.oldest_s)}`
      : `all confirmed (${c.confirmed} this run)`;
    stages.push({ name: 'Frappe', level, detail });
  }
  return stages;
}

const deviceLevel = (d: DeviceReport): Level =>
  d.state === 'error' ? 'failing' : d.clock_warning ? 'degraded' : 'ok';

function deviceCard(d: DeviceReport, hours: PunchHours | undefined, nowMs: number) {
  const level = deviceLevel(d);
  const h = hours ?? { today: 0, hours: [] };
  return html`<article class="card ${level}" data-device="${d.device}">
<header><h2>${d.device}</h2>${levelWord(level, d.state === 'error' ? 'ERROR' : d.clock_warning ? 'CLOCK OFF' : 'ONLINE')}</header>
${d.error ? html`<p class="error">${d.error}</p>` : ''}
<dl><dt>today</dt><dd data-field="today">${h.today} punches</dd>
<dt>last punch</dt><dd data-field="last-punch">${d.last_punch?.replace('T', ' ') ?? 'none yet'}</dd>
<dt>last sync</dt><dd title="${d.last_sync}">${ago(Date.parse(d.last_sync), nowMs)}</dd>
<dt>drift</dt><dd data-field="drift">${drift(d.clock_offset_s)}${d.clock_warning ? ' (over the limit)' : ''}</dd>
<dt>unconfirmed</dt><dd>${d.unconfirmed ?? 0}${d.unconfirmed ? ` (oldest ${duration(d.oldest_unconfirmed_s ?? 0)})` : ''}</dd></dl>
${h.hours.length ? hourChart(d.device, h.hours) : ''}
</article>`;
}

export function renderGatewayPage(p: GatewayPage): string {
  const r = p.report;
  const c = r.confirm;
  const queue = html`<section class="queue" aria-label="queue">
<div><b data-field="queued">${r.store.queued}</b>queued on disk</div>
${c ? html`<div><b data-field="unconfirmed">${c.count}</b>unconfirmed</div><div><b data-field="oldest">${c.count ? duration(c.oldest_s) : '—'}</b>oldest unconfirmed waits</div>` : ''}
<div><b>${r.publish.published}</b>published this run</div>
</section>`;
  const devices = r.devices.length
    ? html`<div class="cards">${r.devices.map((d) => deviceCard(d, p.hours.get(d.device), p.nowMs))}</div>`
    : html`<p class="muted" data-empty="devices">No terminal has reported yet.</p>`;
  return page(p.title, r.at, html`${stageList(gatewayStages(p))}${queue}${devices}`);
}
