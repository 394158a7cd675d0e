/** CMD_OPTIONS_RRQ: request `Name\0`, answer `Name=Value\0` (zk-tcp §7.1). */
export function encodeOptionRequest(name: string): Buffer {
  return Buffer.from(`${name}\0`, 'latin1');
}

export function decodeOptionRequest(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('latin1', 0, nul < 0 ? data.length : nul);
}

export function encodeOptionAnswer(name: string, value: string): Buffer {
  return Buffer.from(`${name}=${value}\0`, 'latin1');
}

/** Splits at the first `=`, stops at the first NUL, trims. A value may legitimately be empty. */
export function decodeOptionAnswer(data: Buffer): { name: string; value: string } {
  const text = decodeOptionRequest(data);
  const eq = text.indexOf('=');
  if (eq < 0) return { name: text.trim(), value: '' };
  return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
}
