import type { PunchEvent } from './punch-event.js';

// a string JSON.stringify writes as it is, between quotes: no quote, backslash, control character or lone
// surrogate half to escape
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

const quote = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));
const num = (n: number) => (Number.isFinite(n) ? `${n}` : 'null');

/** Bytes per line to start with: a pull's lines are 350–380 bytes. */
const LINE_BYTES = 400;

/**
 * PunchEvents as JSON lines in UTF-8, each line byte for byte `JSON.stringify(event)` of an event made by
 * punchEventMaker (its key order). `pull` writes 100,000 of them: JSON.stringify per event, joined and then
 * encoded by the write, was its largest cost after the download itself. Each line is made from a template,
 * with the strings the events of one read share (device, site, zone, source, received_at, the few user
 * ids) quoted once, and written straight into one Buffer: a third of the time (docs/benchmarks.md).
 * `reuse`: the memory of an earlier result whose bytes are no longer needed (written out), filled again
 * instead of new memory for every batch.
 */
export function punchEventLines(events: readonly PunchEvent[], reuse?: ArrayBuffer): Buffer<ArrayBuffer> {
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
  // never from node's shared pool: the caller may hand this memory back as `reuse`
  let out =
    reuse && reuse.byteLength >= events.length * LINE_BYTES
      ? Buffer.from(reuse)
      : Buffer.allocUnsafeSlow(events.length * LINE_BYTES);
  let at = 0;
  for (const e of events) {
    const line = `{"v":${num(e.v)},"id":${quote(e.id)},"device_id":${shared(e.device_id)},"site":${shared(e.site)},"user_id":${shared(e.user_id)},"device_time":${quote(e.device_time)},"timezone":${shared(e.timezone)},"punch":${num(e.punch)},"verify":${num(e.verify)},"source":${shared(e.source)},"received_at":${shared(e.received_at)},"clock_offset_s":${e.clock_offset_s === null ? 'null' : num(e.clock_offset_s)},"raw":${quote(e.raw)}${e.uid_only === undefined ? '' : `,"uid_only":${e.uid_only}`}}\n`;
    // at most 3 UTF-8 bytes per UTF-16 code unit
    if (at + 3 * line.length > out.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(2 * out.length, at + 3 * line.length));
      out.copy(larger, 0, 0, at);
      out = larger;
    }
    at += out.write(line, at);
  }
  return out.subarray(0, at);
}
