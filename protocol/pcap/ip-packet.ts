import type { CapturedPacket } from './pcap-file.js';
import { LinkType } from './pcap-file.js';

/** The transport part of one whole IP packet, whatever IP version carried it. */
export interface IpPacket {
  src: string;
  dst: string;
  /** IP protocol number (IpProtocol). */
  protocol: number;
  /** Transport header and payload, cut at the IP length (Ethernet padding dropped). */
  payload: Buffer;
}

/** Where and when one captured transport packet (a TCP segment, a UDP datagram) went. */
export interface TransportPacket {
  /** The frame's position in the capture. */
  index: number;
  tsUs: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

export const IpProtocol = { TCP: 6, UDP: 17 } as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8];

/**
 * The IP packet inside a link-layer frame, or undefined for frames that carry no IP (ARP, LLDP…).
 * Link types: Ethernet (1, with 802.1Q tags), Linux cooked v1 (113) and v2 (276), raw IP (101, and the
 * per-version 228/229), BSD loopback (0).
 */
export function ipPayload(p: CapturedPacket): Buffer | undefined {
  const d = p.data;
  switch (p.linkType) {
    case LinkType.ETHERNET: {
      let at = 12;
      let type = d.length >= 14 ? d.readUInt16BE(12) : 0;
      while (ETHERTYPE_VLAN.includes(type) && d.length >= at + 6) {
        at += 4;
        type = d.readUInt16BE(at);
      }
      return ipByType(type, d.subarray(at + 2));
    }
    case LinkType.LINUX_SLL:
      return d.length >= 16 ? ipByType(d.readUInt16BE(14), d.subarray(16)) : undefined;
    case LinkType.LINUX_SLL2:
      return d.length >= 20 ? ipByType(d.readUInt16BE(0), d.subarray(20)) : undefined;
    case LinkType.RAW:
    case 228:
    case 229:
      return d;
    case LinkType.NULL: {
      if (d.length < 4) return undefined;
      // the family is in the capturing host's byte order: 2 = IPv4; 24, 28, 30 = IPv6 on the BSDs
      const family = d.readUInt32LE(0) < 256 ? d.readUInt32LE(0) : d.readUInt32BE(0);
      return family === 2 || family === 24 || family === 28 || family === 30 ? d.subarray(4) : undefined;
    }
    default:
      return undefined;
  }
}

function ipByType(type: number, rest: Buffer): Buffer | undefined {
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? rest : undefined;
}

/** The IPv4 or IPv6 packet in a captured frame, or undefined (not IP, a fragment, IP header cut short). */
export function ipPacket(p: CapturedPacket): IpPacket | undefined {
  const ip = ipPayload(p);
  if (!ip || ip.length < 1) return undefined;
  const version = ip[0]! >> 4;
  if (version === 4) {
    if (ip.length < 20) return undefined;
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = ip.readUInt16BE(2);
    // a fragment other than a whole datagram cannot be decoded on its own (MF flag or a fragment offset)
    if ((ip.readUInt16BE(6) & 0x3fff) !== 0) return undefined;
    return {
      src: ipv4(ip, 12),
      dst: ipv4(ip, 16),
      protocol: ip[9]!,
      // total length 0 is what TSO-offloaded captures show; else trim the Ethernet padding
      payload: ip.subarray(ihl, total === 0 ? ip.length : Math.min(total, ip.length)),
    };
  }
  if (version !== 6 || ip.length < 40) return undefined;
  let next = ip[6]!;
  let at = 40;
  // hop-by-hop, routing and destination options headers: skip to the transport (a fragment header, 44,
  // stays the protocol, so fragments are left out as on IPv4)
  while ((next === 0 || next === 43 || next === 60) && ip.length >= at + 8) {
    next = ip[at]!;
    at += (ip[at + 1]! + 1) * 8;
  }
  return {
    src: ipv6(ip, 8),
    dst: ipv6(ip, 24),
    protocol: next,
    payload: ip.subarray(at, Math.min(40 + ip.readUInt16BE(4), ip.length)),
  };
}

const ipv4 = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;

function ipv6(b: Buffer, at: number): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(at + i).toString(16));
  return words.join(':');
}
