/**
 * A deliberately small, independent byte builder for expected ZK bytes (style.md §2: expected bytes come from
 * vectors.md, a capture, or this file — never from the encoder under test). It shares no code with
 * `protocol/zk`: the checksum here takes the mod-65535 route (end-around carry = arithmetic mod 2^16 − 1)
 * instead of the codec's fold loop, and fields are written byte by byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { repoPath } from './repo.js';

/** Real terminal bytes (copied from shared/protocol/real-bytes, see its README); override with ZK_REAL_BYTES. */
export const REAL_BYTES_DIR = process.env.ZK_REAL_BYTES ?? repoPath('test/fixtures/real-bytes');

/** Hex as written in vectors.md: whitespace allowed, `//` starts a comment to the end of the line. */
export function hex(s: string): Buffer {
  const clean = s
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${s}`);
  return Buffer.from(clean, 'hex');
}

export function u8(n: number): number[] {
  return [n & 0xff];
}

export function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}

export function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A NUL-padded fixed-width ASCII field. */
export function chars(s: string, width: number): number[] {
  const out = new Array<number>(width).fill(0);
  for (let i = 0; i < s.length && i < width; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function bytes(...parts: Array<number[] | Uint8Array | Buffer>): Buffer {
  return Buffer.concat(parts.map((p) => (Array.isArray(p) ? Buffer.from(p) : Buffer.from(p))));
}

/**
 * Ones'-complement checksum (zk-tcp §3) of a ZK packet (header + data) whose checksum bytes 2–3 are
 * ignored. Route: the ones'-complement sum equals the plain sum mod 65535 (with 0xFFFF for a non-zero sum
 * that is ≡ 0), checksum = 0xFFFF − that.
 */
export function refChecksum(packet: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < packet.length; i++) {
    if (i === 2 || i === 3) continue;
    const b = packet[i] ?? 0;
    total += i % 2 === 0 ? b : b * 256;
  }
  let folded = total % 0xffff;
  if (folded === 0 && total !== 0) folded = 0xffff;
  return 0xffff - folded;
}

export interface RefPacket {
  command: number;
  session: number;
  replyId: number;
  data?: Uint8Array | number[];
  /** Force a checksum (for bad-checksum cases); default: the correct one. */
  checksum?: number;
}

/** Header + data (the UDP datagram form). */
export function packet(p: RefPacket): Buffer {
  const data = p.data ? Buffer.from(p.data) : Buffer.alloc(0);
  const out = bytes(u16(p.command), u16(0), u16(p.session), u16(p.replyId), data);
  const chk = p.checksum ?? refChecksum(out);
  out[2] = chk & 0xff;
  out[3] = chk >>> 8;
  return out;
}

/** Envelope (magic 50 50 82 7d + u32 length) + packet: the TCP form. `length` overrides the length field. */
export function frame(p: RefPacket & { length?: number }): Buffer {
  const body = packet(p);
  return bytes([0x50, 0x50, 0x82, 0x7d], u32(p.length ?? body.length), body);
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface HexLine {
  /** 1-based line number in the .hex file (the json's `hex_lines` use these). */
  line: number;
  dir: '<' | '>';
  bytes: Buffer;
}

/** Reads a `real-bytes/*.hex` fixture: `<` terminal → client, `>` client → terminal, `#` comments. */
export function readHexFixture(name: string): HexLine[] {
  const text = readFileSync(`${REAL_BYTES_DIR}/${name}.hex`, 'latin1');
  const out: HexLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^([<>])\s*([0-9a-fA-F]+)\s*$/.exec(raw);
    if (m) out.push({ line: i + 1, dir: m[1] as '<' | '>', bytes: Buffer.from(m[2]!, 'hex') });
  });
  return out;
}

export function readJsonFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(`${REAL_BYTES_DIR}/${name}.json`, 'utf8')) as T;
}
