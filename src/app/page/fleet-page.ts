import type { FleetSite } from '../../forwarder/index.js';
import { html } from './html.js';
import { ago, drift, duration, type Level, levelWord, page, type Stage, stageList } from './layout.js';

/** What the forwarder's page shows: its own stages and every site the retained statuses tell of. */
export interface FleetPage {
  title: string;
  atIso: string;
  stages: Stage[];
  sites: FleetSite[];
  nowMs: number;
}

type Row = FleetSite['terminals'][number];

const terminalLevel = (t: Row): Level =>
  t.stale || t.state === 'error' ? 'failing' : t.clockWarning ? 'degraded' : 'ok';

const terminalWord = (t: Row): string =>
  t.stale ? 'OFFLINE' : t.state === 'error' ? 'ERROR' : t.clockWarning ? 'CLOCK OFF' : 'ONLINE';

function terminalRow(t: Row, nowMs: number) {
  const lastPunch = t.lastPunchMs === undefined ? 'none yet' : ago(t.lastPunchMs, nowMs);
  return html`<div class="row" data-device="${t.device}" data-stale="${String(t.stale)}">
<span class="id">${t.name && t.name !== t.device ? `${t.name} (${t.device})` : t.device}</span>${levelWord(terminalLevel(t), terminalWord(t))}
<span>sync ${ago(t.lastSyncMs, nowMs)}</span><span>last punch ${lastPunch}</span><span>drift ${drift(t.clockOffsetS)}</span>
${t.stale ? html`<span class="stale-mark">stale: no status for ${duration(Math.round((nowMs - (t.statusAtMs ?? nowMs)) / 1000))}</span>` : ''}
${t.state === 'error' && t.lastError ? html`<span class="error">${t.lastError}</span>` : ''}
</div>`;
}

/**
 * A site whose oldest unconfirmed punch has waited this long is marked: the gateway's own health turns red
 * at its `health.max_unconfirmed_age_s`, one hour by default.
 */
const BACKLOG_AFTER_S = 3600;

/** Stale first: the word says why the colour is what it is. */
function siteLevel(s: FleetSite): { level: Level; word: string } {
  if (s.stale) return { level: 'failing', word: 'STALE' };
  if (s.gateway === 'offline') return { level: 'failing', word: 'GATEWAY OFFLINE' };
  if (s.health?.writeFailing) return { level: 'failing', word: 'STORE FAILING' };
  if (s.health?.diskLow) return { level: 'failing', word: 'DISK LOW' };
  if (s.terminals.some((t) => t.state === 'error' || t.clockWarning))
    return { level: 'degraded', word: 'ATTENTION' };
  if ((s.health?.oldestUnconfirmedS ?? 0) >= BACKLOG_AFTER_S) return { level: 'degraded', word: 'BACKLOG' };
  return { level: 'ok', word: 'OK' };
}

/** Unconfirmed punches and the oldest one's wait, as of the gateway's last health message. */
function unconfirmed(s: FleetSite): string {
  const h = s.health;
  if (h?.unconfirmed === undefined) return 'no health seen';
  if (h.unconfirmed === 0) return '0';
  return `${h.unconfirmed}, oldest waiting ${duration(h.oldestUnconfirmedS ?? 0)}`;
}

function siteSection(s: FleetSite, nowMs: number) {
  const { level, word } = siteLevel(s);
  return html`<article class="card ${level}" data-site="${s.site}" data-stale="${String(s.stale)}">
<header><h2>${s.site}</h2>${levelWord(level, word)}</header>
<dl><dt>gateway</dt><dd data-field="gateway">${s.gateway ?? 'no status seen'}</dd>
<dt>last seen</dt><dd data-field="last-seen">${ago(s.lastSeenMs, nowMs)}</dd>
<dt>queued</dt><dd data-field="queued">${s.queued ?? '—'}</dd>
<dt>unconfirmed</dt><dd data-field="unconfirmed">${unconfirmed(s)}</dd>
${s.health?.freeMb === undefined ? '' : html`<dt>disk free</dt><dd data-field="free">${s.health.freeMb} MB</dd>`}</dl>
<div class="rows">${s.terminals.length ? s.terminals.map((t) => terminalRow(t, nowMs)) : html`<p class="muted">No terminal status yet.</p>`}</div>
</article>`;
}

export function renderFleetPage(p: FleetPage): string {
  const sites = p.sites.length
    ? html`<div class="cards">${p.sites.map((s) => siteSection(s, p.nowMs))}</div>`
    : html`<p class="muted" data-empty="sites">No gateway status seen yet.</p>`;
  return page(p.title, p.atIso, html`${stageList(p.stages)}${sites}`);
}
