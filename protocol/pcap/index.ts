export * from './capture-error.js';
export * from './pcap-file.js';
export * from './pcap-writer.js';
export * from './tcp-segment.js';
export * from './tcp-stream.js';

import { readCapture } from './pcap-file.js';
import { type TcpSegment, tcpSegment } from './tcp-segment.js';
import { reassemble, type TcpConversation } from './tcp-stream.js';

/** pcap/pcapng bytes → TCP conversations, each direction reassembled. */
export function readTcpConversations(bytes: Buffer, name?: string): TcpConversation[] {
  const segments: TcpSegment[] = [];
  for (const p of readCapture(bytes, name)) {
    const s = tcpSegment(p);
    if (s) segments.push(s);
  }
  return reassemble(segments);
}
