import type { FrameError } from '../../protocol/errors.js';
import type { HalfStream, TcpConversation } from '../../protocol/pcap/tcp-stream.js';
import { ENVELOPE_SIZE, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';

export type Side = 'client' | 'device';

/** One ZK frame (or one framing error) of a captured session, placed in time. */
export interface TimelineEntry {
  from: Side;
  /** Offset of the frame in its direction's reassembled stream, and just past its end. */
  offset: number;
  end: number;
  /** Capture index at which the frame's last byte was readable (see StreamPiece.readableAt). */
  at: number;
  packet?: ZkPacket;
  error?: FrameError;
}

/** Cuts one direction into frames exactly as a live reader would: the whole stream through TcpFramer. */
export function frameStream(stream: HalfStream, from: Side): TimelineEntry[] {
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

/** Both directions of a ZK session interleaved in the order a reader on either end could have seen them. */
export function zkTimeline(conv: TcpConversation): TimelineEntry[] {
  const all = [...frameStream(conv.toServer, 'client'), ...frameStream(conv.toClient, 'device')];
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
