/** A fixed-size text field: bytes up to the first NUL (junk after it is common, zk-tcp §13), latin1. */
export function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}

/** Distinct values a table keeps; past it, new values are read but not kept (a log has one per user). */
const TABLE_LIMIT = 65_536;

/**
 * The fixed-size text fields of one dataset read as cString does, each distinct value made once: a log of
 * 100,000 punches by a few hundred users repeats each user id hundreds of times. Reading through the table
 * halved the decode time of a 40-byte log (a toString call into C++ per record avoided) and its records
 * share one string per user (bench/decode.ts).
 */
export class CStringTable {
  readonly #known = new Map<number, string>();

  /** The text of bytes [from, to) of `b` up to the first NUL. */
  read(b: Buffer, from: number, to: number): string {
    let hash = 0;
    let end = from;
    for (; end < to; end++) {
      const c = b[end]!;
      if (c === 0) break;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    const known = this.#known.get(hash);
    // a hash is not an identity: a collision must read its own bytes, never another user's id
    if (known !== undefined && sameLatin1(known, b, from, end)) return known;
    const text = b.toString('latin1', from, end);
    if (this.#known.size < TABLE_LIMIT) this.#known.set(hash, text);
    return text;
  }
}

function sameLatin1(text: string, b: Buffer, from: number, end: number): boolean {
  if (text.length !== end - from) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== b[from + i]) return false;
  return true;
}
