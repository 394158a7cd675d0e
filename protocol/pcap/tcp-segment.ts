import { IpProtocol, ipPacket, type TransportPacket } from './ip-packet.js';
import type { CapturedPacket } from './pcap-file.js';

/** One TCP segment taken out of a captured frame (link layer, IPv4 or IPv6, TCP). */
export interface TcpSegment extends TransportPacket {
  seq: number;
  ack: number;
  flags: number;
}

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** The TCP segment in a captured frame, or undefined (not IP, not TCP, a fragment, cut by the snap length). */
export function tcpSegment(p: CapturedPacket): TcpSegment | undefined {
  const ip = ipPacket(p);
  if (ip?.protocol !== IpProtocol.TCP) return undefined;
  const tcp = ip.payload;
  if (tcp.length < 20) return undefined;
  const dataOffset = (tcp[12]! >> 4) * 4;
  if (dataOffset < 20 || dataOffset > tcp.length) return undefined;
  return {
    index: p.index,
    tsUs: p.tsUs,
    src: ip.src,
    dst: ip.dst,
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    ack: tcp.readUInt32BE(8),
    flags: tcp[13]!,
    payload: tcp.subarray(dataOffset),
  };
}
