import { html, type Markup, toText } from './html.js';

/** green ok, amber degraded, red failing: always with the word too, never colour alone. */
export type Level = 'ok' | 'degraded' | 'failing';

export interface Stage {
  name: string;
  level: Level;
  /** What the stage is doing, in words: "connected", "disconnected, 120 queued". */
  detail: string;
}

const WORD: Record<Level, string> = { ok: 'OK', degraded: 'DEGRADED', failing: 'FAILING' };

// one narrow column that wraps, so a phone (375 px) never scrolls sideways; wider screens get a grid
const CSS = `
:root{--ok:#1a7f37;--degraded:#9a6700;--failing:#cf222e;--line:#d0d7de;--muted:#57606a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;padding:12px;max-width:1100px;margin-inline:auto}
h1{font-size:1.25rem;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:0;overflow-wrap:anywhere}
.at,.muted{color:var(--muted);font-size:.85rem}
.stages{list-style:none;padding:0;margin:12px 0;display:flex;flex-wrap:wrap;gap:8px}
.stage{border:1px solid var(--line);border-left:6px solid;border-radius:6px;background:#fff;padding:6px 10px;min-width:0;overflow-wrap:anywhere}
.word{font-weight:700;font-size:.8rem;padding:1px 6px;border-radius:4px;color:#fff;white-space:nowrap}
.ok .word,.word.ok{background:var(--ok)}.degraded .word,.word.degraded{background:var(--degraded)}.failing .word,.word.failing{background:var(--failing)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,330px),1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-left:6px solid;border-radius:8px;padding:10px 12px;min-width:0}
.ok{border-left-color:var(--ok)}.degraded{border-left-color:var(--degraded)}.failing{border-left-color:var(--failing)}
.card header{display:flex;justify-content:space-between;align-items:baseline;gap:8px;flex-wrap:wrap}
dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:8px 0;font-size:.9rem}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.error{color:var(--failing);font-size:.85rem;overflow-wrap:anywhere;margin:4px 0}
.queue{display:flex;flex-wrap:wrap;gap:8px 20px;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:0 0 12px}
.queue b{font-size:1.2rem;display:block}
svg.chart{width:100%;height:auto;display:block}
svg.chart .bar{fill:#0969da}svg.chart .axis{stroke:var(--line)}svg.chart text{font-size:7px;fill:var(--muted)}
.rows{display:flex;flex-direction:column;gap:6px;margin-top:8px}
.row{display:flex;flex-wrap:wrap;gap:2px 14px;border-top:1px solid var(--line);padding-top:6px;font-size:.9rem}
.row .id{font-weight:600;min-width:8em;overflow-wrap:anywhere}
.stale-mark{font-weight:700;color:var(--failing)}
footer{margin-top:16px;font-size:.85rem}
`;

/** A coloured word and what it means: "OK broker — connected". */
export const stageItem = (s: Stage): Markup =>
  html`<li class="stage ${s.level}" data-stage="${s.name}" data-level="${s.level}"><span class="word">${WORD[s.level]}</span> <b>${s.name}</b> — ${s.detail}</li>`;

export const levelWord = (level: Level, word = WORD[level]): Markup =>
  html`<span class="word ${level}" data-level="${level}">${word}</span>`;

export const stageList = (stages: readonly Stage[]): Markup =>
  html`<ul class="stages">${stages.map(stageItem)}</ul>`;

/** 42 s, 17 min, 5 h, 3 d: a page left open on a phone reads this easier than a count of seconds. */
export function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export function ago(ms: number | undefined, nowMs: number): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'never';
  return `${duration(Math.max(0, Math.round((nowMs - ms) / 1000)))} ago`;
}

export const drift = (s: number | null | undefined): string =>
  s === null || s === undefined ? '—' : `${s > 0 ? '+' : ''}${s} s`;

/** The whole document: reloads itself every 10 s, loads nothing from anywhere. */
export function page(title: string, atIso: string, body: Markup): string {
  const head = html`<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="10"><title>${title}</title>`;
  const main = html`<h1>${title}</h1><div class="at">at ${atIso} · reloads every 10 s</div>
${body}
<footer><a href="/status">status JSON</a> · <a href="/healthz">healthz</a> · <a href="/metrics">metrics</a></footer>`;
  // the style sheet is this module's own constant, the one part not built by `html`
  return `<!doctype html>\n<html lang="en"><head>${toText(head)}<style>${CSS}</style></head>\n<body>${toText(main)}</body></html>\n`;
}
