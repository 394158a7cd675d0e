/**
 * `npm run bench`: runs every benchmark in this folder in one process, one after another (2 cores: nothing
 * in parallel), prints a table and writes bench/results.json as [{name, value, unit, vs, ratio}].
 * Pick some with `npm run bench -- pipeline download`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './result.js';

const benches: Record<string, () => Promise<BenchResult[]>> = {
  decode: async () => (await import('./decode.js')).run(),
  download: async () => (await import('./download.js')).run(),
  pipeline: async () => (await import('./pipeline.js')).run(),
  outbox: async () => (await import('./outbox.js')).run(),
  backlog: async () => (await import('./backlog.js')).run(),
  push: async () => (await import('./push.js')).run(),
  import: async () => (await import('./import.js')).run(),
  forwarder: async () => (await import('./forwarder.js')).run(),
  realtime: async () => (await import('./realtime.js')).run(),
  'punch-event': async () => (await import('./punch-event.js')).run(),
  start: async () => (await import('./start.js')).run(),
};

const wanted = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stderr.write(`bench ${name} …\n`);
  results.push(...(await run()));
}

const rows = results.map((r) => [
  r.name,
  `${r.value} ${r.unit}`,
  r.vs ?? '',
  r.ratio === null ? '' : `${r.ratio}×`,
]);
const head = ['benchmark', 'value', 'vs', 'ratio'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));

const out = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
// a run of some benchmarks replaces their figures and keeps the others' latest ones
const fresh = new Set(results.map((r) => r.name));
const kept = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as BenchResult[]).filter((r) => !fresh.has(r.name))
  : [];
writeFileSync(out, `${JSON.stringify([...kept, ...results], null, 2)}\n`);
console.log(`\nwritten to ${out}`);
