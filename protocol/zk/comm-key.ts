import { EncodeError } from '../errors.js';
/**
 * Comm-key login (zk-tcp §5): after CONNECT answers ACK_UNAUTH, the client proves it knows the numeric
 * key set on the terminal with CMD_AUTH carrying MakeKey(key, session, ticks) — pyzk `make_commkey`,
 * "from commpro.c MakeKey".
 */

/** The terminal's menu allows 0…999999; 0 means "no key" (zk-tcp §5). */
export const COMM_KEY_MAX = 999_999;

/** pyzk always sends ticks 50, so its payload's third byte is 0x32; the only value known to work (§5). */
export const DEFAULT_AUTH_TICKS = 50;

function reverseBits32(n: number): number {
  let k = 0;
  for (let i = 0; i < 32; i++) if (n & (2 ** i)) k |= 1 << (31 - i);
  return k >>> 0;
}

/** The 4-byte CMD_AUTH payload for `key` on `session` (zk-tcp §5 steps 1–5, pyzk's fixtures). */
export function makeCommKey(key: number, session: number, ticks = DEFAULT_AUTH_TICKS): Buffer {
  if (!Number.isInteger(key) || key < 0 || key > 0xffffffff)
    throw new EncodeError(
      'CMD_AUTH payload',
      'comm key',
      '(redacted)',
      `is not an integer 0…${COMM_KEY_MAX}`,
    );
  // step 2: 32-bit wrap (a port without masking fails for keys like 983039 with a large session)
  const k = (reverseBits32(key) + session) >>> 0;
  const b = [k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, (k >>> 24) & 0xff];
  // step 3: XOR with "ZKSO"; step 4: swap the 16-bit halves
  const x = [b[2]! ^ 0x53, b[3]! ^ 0x4f, b[0]! ^ 0x5a, b[1]! ^ 0x4b];
  const t = ticks & 0xff;
  // step 5: byte 2 is replaced by t itself, so the low byte of k ^ "Z" is discarded
  return Buffer.from([x[0]! ^ t, x[1]! ^ t, t, x[3]! ^ t]);
}
