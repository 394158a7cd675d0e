import type { PunchEvent } from './punch-event.js';

// a string JSON.stringify writes as it is, between quotes: no quote, backslash, control character or lone
// surrogate half to escape
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

const quote = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));
const num = (n: number) => (Number.isFinite(n) ? `${n}` : 'null');

/**
 * PunchEvents as JSON lines, each line byte for byte `JSON.stringify(event)` of an event made by
 * punchEventMaker (its key order). `pull` writes 100,000 of them: JSON.stringify per event was its
 * largest cost after the download itself; written from a template, with the strings the events of one
 * read share (device, site, zone, source, received_at, the few user ids) quoted once, it takes about two
 * thirds of the time (docs/benchmarks.md).
 */
export function punchEventLines(events: readonly PunchEvent[]): string {
  const quoted = new Map<string, string>();
  const shared = (s: string) => {
    let q = quoted.get(s);
    if (q === undefined) {
      q = quote(s);
      // bounded: a batch of distinct user ids must not make it as large as the batch
      if (quoted.size < 4096) quoted.set(s, q);
    }
    return q;
  };
  let out = '';
  for (const e of events) {
    out += `{"v":${num(e.v)},"id":${quote(e.id)},"device_id":${shared(e.device_id)},"site":${shared(e.site)},"user_id":${shared(e.user_id)},"device_time":${quote(e.device_time)},"timezone":${shared(e.timezone)},"punch":${num(e.punch)},"verify":${num(e.verify)},"source":${shared(e.source)},"received_at":${shared(e.received_at)},"clock_offset_s":${e.clock_offset_s === null ? 'null' : num(e.clock_offset_s)},"raw":${quote(e.raw)}${e.uid_only === undefined ? '' : `,"uid_only":${e.uid_only}`}}\n`;
  }
  return out;
}
