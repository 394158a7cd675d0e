/** A fixed-size text field: bytes up to the first NUL (junk after it is common, zk-tcp.md §13), latin1. */
export function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}
