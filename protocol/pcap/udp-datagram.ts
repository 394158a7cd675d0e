import { ByteWriter } from '../bytes/byte-writer.js';
import { CaptureError } from './capture-error.js';
import { IpProtocol, ipPacket, type TransportPacket } from './ip-packet.js';
import type { CapturedPacket } from './pcap-file.js';

/** One UDP datagram taken out of a captured frame (link layer, IPv4 or IPv6, UDP). */
export interface UdpDatagram extends TransportPacket {
  /** Payload length on the wire (UDP length − 8): more than `payload` holds when the snap length cut the frame. */
  size: number;
}

export const UDP_HEADER_SIZE = 8;

/**
 * The UDP datagram in a captured frame, or undefined (not IP, not UDP, a fragment). A UDP header that
 * cannot be read — cut short, or a length field that disagrees with the IP packet the capture holds whole —
 * is a CaptureError naming the frame's file offset: its ports, so its conversation, are unknown. A payload
 * cut by the snap length is kept as far as it goes (`size` says how long it was).
 */
export function udpDatagram(p: CapturedPacket, file = 'capture'): UdpDatagram | undefined {
  const ip = ipPacket(p);
  if (ip?.protocol !== IpProtocol.UDP) return undefined;
  const udp = ip.payload;
  const snapCut = p.origLen > p.data.length;
  const bad = (kind: CaptureError['kind'], detail: string) =>
    new CaptureError({ file, offset: p.offset, kind, detail: `frame ${p.index}: UDP ${detail}` });
  if (udp.length < UDP_HEADER_SIZE)
    throw bad(
      snapCut ? 'truncated' : 'format',
      `header cut short (${udp.length} of ${UDP_HEADER_SIZE} bytes)`,
    );
  const length = udp.readUInt16BE(4);
  if (length < UDP_HEADER_SIZE) throw bad('format', `length field ${length} is shorter than the header`);
  if (length > udp.length && !snapCut)
    throw bad('format', `length field ${length} but the IP packet holds ${udp.length} bytes`);
  return {
    index: p.index,
    tsUs: p.tsUs,
    src: ip.src,
    dst: ip.dst,
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payload: udp.subarray(UDP_HEADER_SIZE, length),
    size: length - UDP_HEADER_SIZE,
  };
}

/** UDP header and payload, the checksum left 0 for the IP layer to fill (ipv4Frame). */
export function encodeUdp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const size = UDP_HEADER_SIZE + payload.length;
  return new ByteWriter(size, 'UDP header', 'be')
    .u16(0, srcPort, 'source port')
    .u16(2, dstPort, 'destination port')
    .u16(4, size, 'length')
    .copy(UDP_HEADER_SIZE, payload).bytes;
}
