import { IpProtocol } from './ip-packet.js';

const clientMac = Buffer.from([0x02, 0, 0, 0, 0, 0x02]);
const serverMac = Buffer.from([0x02, 0, 0, 0, 0, 0x01]);

export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new RangeError(`not a dotted IPv4 address: ${address}`);
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
  const pseudo = Buffer.alloc(12);
  s.copy(pseudo, 0);
  d.copy(pseudo, 4);
  pseudo[9] = o.protocol;
  pseudo.writeUInt16BE(seg.length, 10);
  const sum = internetChecksum([pseudo, seg]);
  // a UDP checksum that computes to 0 is sent as 0xffff: 0 there means "no checksum" (RFC 768)
  if (o.protocol === IpProtocol.UDP) seg.writeUInt16BE(sum || 0xffff, 6);
  else seg.writeUInt16BE(sum, 16);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + seg.length, 2);
  ip.writeUInt16BE(o.id & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = 64;
  ip[9] = o.protocol;
  s.copy(ip, 12);
  d.copy(ip, 16);
  ip.writeUInt16BE(internetChecksum([ip]), 10);
  const eth = Buffer.alloc(14);
  (o.from === 'client' ? serverMac : clientMac).copy(eth, 0);
  (o.from === 'client' ? clientMac : serverMac).copy(eth, 6);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, seg]);
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
