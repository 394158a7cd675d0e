export * from './capture-error.js';
export * from './conversation.js';
export * from './ip-packet.js';
export * from './pcap-file.js';
export * from './pcap-writer.js';
export * from './tcp-segment.js';
export * from './tcp-stream.js';
export * from './udp-conversation.js';
export * from './udp-datagram.js';

import { CaptureError } from './capture-error.js';
import { readCapture } from './pcap-file.js';
import { type TcpSegment, tcpSegment } from './tcp-segment.js';
import { reassemble, type TcpConversation } from './tcp-stream.js';
import { type UdpConversation, udpConversations } from './udp-conversation.js';
import { type UdpDatagram, udpDatagram } from './udp-datagram.js';

export interface CaptureConversations {
  tcp: TcpConversation[];
  udp: UdpConversation[];
  /** UDP frames whose header could not be read, left out: one bad frame does not make a capture unreadable. */
  unreadable: CaptureError[];
}

/**
 * pcap/pcapng bytes → the TCP conversations, each direction reassembled, and the UDP conversations with a
 * terminal on `udpDevicePort`. `name` is only for error messages.
 */
export function readConversations(
  bytes: Buffer,
  name?: string,
  udpDevicePort?: number,
): CaptureConversations {
  const segments: TcpSegment[] = [];
  const datagrams: UdpDatagram[] = [];
  const unreadable: CaptureError[] = [];
  for (const p of readCapture(bytes, name)) {
    const s = tcpSegment(p);
    if (s) segments.push(s);
    else
      try {
        const d = udpDatagram(p, name);
        if (d) datagrams.push(d);
      } catch (err) {
        if (!(err instanceof CaptureError)) throw err;
        unreadable.push(err);
      }
  }
  return { tcp: reassemble(segments), udp: udpConversations(datagrams, udpDevicePort), unreadable };
}

/** pcap/pcapng bytes → TCP conversations, each direction reassembled. */
export function readTcpConversations(bytes: Buffer, name?: string): TcpConversation[] {
  return readConversations(bytes, name).tcp;
}
