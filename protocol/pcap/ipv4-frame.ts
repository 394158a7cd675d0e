import { ByteWriter } from '../bytes/byte-writer.js';
import { EncodeError } from '../errors.js';
import { IpProtocol } from './ip-packet.js';

const clientMac = Buffer.from([0x02, 0, 0, 0, 0, 0x02]);
const serverMac = Buffer.from([0x02, 0, 0, 0, 0, 0x01]);

export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new EncodeError('IPv4 header', 'address', address, 'is not a dotted IPv4 address');
  return Buffer.from(parts);
}

/**
 * One Ethernet/IPv4 frame (don't-fragment, TTL 64) around a TCP or UDP segment — its header and payload —
 * with the IPv4 header checksum and the segment's checksum filled in. Both transports sum a pseudo header
 * of source, destination, zero, protocol and segment length before the segment (RFC 793 §3.1, RFC 768).
 */
export function ipv4Frame(o: {
  from: 'client' | 'server';
  src: string;
  dst: string;
  protocol: number;
  id: number;
  segment: Buffer;
}): Buffer {
  const s = ipv4Bytes(o.src);
  const d = ipv4Bytes(o.dst);
  const seg = o.segment;
  const pseudo = new ByteWriter(12, 'IPv4 pseudo header', 'be')
    .copy(0, s)
    .copy(4, d)
    .u8(9, o.protocol, 'protocol')
    .u16(10, seg.length, 'segment length').bytes;
  const sum = internetChecksum([pseudo, seg]);
  // a UDP checksum that computes to 0 is sent as 0xffff: 0 there means "no checksum" (RFC 768)
  if (o.protocol === IpProtocol.UDP) seg.writeUInt16BE(sum || 0xffff, 6);
  else seg.writeUInt16BE(sum, 16);
  const ip = new ByteWriter(20, 'IPv4 header', 'be')
    .u8(0, 0x45, 'version and header length')
    .u16(2, 20 + seg.length, 'total length')
    .u16(4, o.id & 0xffff, 'id')
    .u16(6, 0x4000, 'flags') // don't fragment
    .u8(8, 64, 'ttl')
    .u8(9, o.protocol, 'protocol')
    .copy(12, s)
    .copy(16, d);
  ip.u16(10, internetChecksum([ip.bytes]), 'header checksum');
  const eth = new ByteWriter(14, 'Ethernet header', 'be')
    .copy(0, o.from === 'client' ? serverMac : clientMac)
    .copy(6, o.from === 'client' ? clientMac : serverMac)
    .u16(12, 0x0800, 'ethertype').bytes;
  return Buffer.concat([eth, ip.bytes, seg]);
}

/** RFC 1071 over the concatenation of `parts` (each part even-length except possibly the last). */
function internetChecksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    let i = 0;
    if (odd !== undefined && p.length > 0) {
      sum += (odd << 8) | p[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (i < p.length) odd = p[i]!;
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
