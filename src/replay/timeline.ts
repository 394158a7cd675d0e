import { FrameError } from '../../protocol/errors.js';
import type { HalfStream, TcpConversation } from '../../protocol/pcap/tcp-stream.js';
import type { UdpConversation } from '../../protocol/pcap/udp-conversation.js';
import type { UdpDatagram } from '../../protocol/pcap/udp-datagram.js';
import { ENVELOPE_SIZE, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { UdpDeframer } from '../../protocol/zk/udp-datagram.js';

export type Side = 'client' | 'device';

/** A recorded ZK session: a TCP connection or a UDP conversation with the terminal port. */
export type ZkConversation = TcpConversation | UdpConversation;

/** The client sent something: a session, not a probe connection that only opened. */
export const carriesRequests = (c: ZkConversation): boolean =>
  c.transport === 'udp' ? c.toServer.length > 0 : c.toServer.bytes.length > 0;

/** One ZK frame (or one framing error) of a captured session, placed in time. */
export interface TimelineEntry {
  from: Side;
  /**
   * Offset of the frame in its direction's reassembled stream (UDP: the bytes of that direction's earlier
   * datagrams), and just past its end.
   */
  offset: number;
  end: number;
  /** Capture index at which the frame's last byte was readable (see StreamPiece.readableAt). */
  at: number;
  packet?: ZkPacket;
  error?: FrameError;
}

/** Cuts one direction into frames exactly as a live reader would: the whole stream through TcpFramer. */
function frameStream(stream: HalfStream, from: Side): TimelineEntry[] {
  const framer = new TcpFramer(from === 'device' ? `${stream.src}:${stream.srcPort}` : 'client');
  const out: TimelineEntry[] = [];
  for (const r of framer.push(stream.bytes)) {
    if ('error' in r) {
      out.push({ from, offset: r.error.offset, end: r.error.offset, at: 0, error: r.error });
    } else {
      const end = r.offset + ENVELOPE_SIZE + 8 + r.packet.data.length;
      out.push({ from, offset: r.offset, end, at: 0, packet: r.packet });
    }
  }
  const cut = framer.finish();
  if (cut) out.push({ from, offset: cut.offset, end: stream.bytes.length, at: 0, error: cut });
  for (const e of out) e.at = readableAt(stream, Math.max(e.end - 1, 0));
  return out;
}

/** One direction's datagrams as a live reader gets them: one packet each (zk-tcp §14), in capture order. */
function datagramFrames(datagrams: readonly UdpDatagram[], from: Side): TimelineEntry[] {
  const first = datagrams[0];
  const device = from === 'device' && first ? `${first.src}:${first.srcPort}` : 'client';
  const deframer = new UdpDeframer(device);
  return datagrams.map((d) => {
    const offset = deframer.streamOffset;
    const entry = { from, offset, end: offset + d.payload.length, at: d.index };
    // one result per datagram, always
    const r = deframer.push(d.payload)[0]!;
    // a snap-cut datagram would also fail its checksum; say what really happened to it
    if (d.payload.length < d.size)
      return {
        ...entry,
        error: new FrameError({
          device,
          offset,
          bytes: d.payload,
          reason: 'truncated',
          detail: `datagram cut by the capture's snap length (${d.payload.length} of ${d.size} bytes)`,
        }),
      };
    return 'packet' in r ? { ...entry, packet: r.packet } : { ...entry, error: r.error };
  });
}

/** The frames one side sent, cut as a live reader on the other side would have cut them. */
export function sideFrames(conv: ZkConversation, from: Side): TimelineEntry[] {
  const client = from === 'client';
  if (conv.transport === 'udp') return datagramFrames(client ? conv.toServer : conv.toClient, from);
  return frameStream(client ? conv.toServer : conv.toClient, from);
}

/** Both directions of a ZK session interleaved in the order a reader on either end could have seen them. */
export function zkTimeline(conv: ZkConversation): TimelineEntry[] {
  const all = [...sideFrames(conv, 'client'), ...sideFrames(conv, 'device')];
  // stable: frames readable at the same captured segment keep their stream order
  return all.sort((a, b) => a.at - b.at);
}

function readableAt(stream: HalfStream, byte: number): number {
  const pieces = stream.pieces;
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid]!.offset <= byte) lo = mid;
    else hi = mid - 1;
  }
  return pieces[lo]?.readableAt ?? 0;
}
