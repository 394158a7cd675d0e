import { byConversation, ends, sentBy, ZK_PORT } from './conversation.js';
import { TcpFlag, type TcpSegment } from './tcp-segment.js';

/** A piece of a reassembled stream and the captured segment that brought it. */
export interface StreamPiece {
  /** Offset in the reassembled bytes. */
  offset: number;
  length: number;
  /** Capture index of the segment. */
  index: number;
  /**
   * Capture index at which every byte up to this piece's end had been seen: a receiver could read this
   * piece only then. Out-of-order segments wait for the one that fills the hole before them.
   */
  readableAt: number;
}

/** One direction of a TCP connection, put back in sequence order. */
export interface HalfStream {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  bytes: Buffer;
  /** The original segments that carried new bytes, in sequence order (retransmitted copies dropped). */
  pieces: StreamPiece[];
  /** Holes: bytes never captured, at `offset` of the reassembled bytes (which close up over them). */
  gaps: Array<{ offset: number; length: number }>;
  /** Bytes seen again (retransmissions, overlaps) and dropped. */
  duplicateBytes: number;
  /** How the sender ended: FIN, RST, or still open when the capture stopped; with the capture index. */
  end: { how: 'fin' | 'rst' | 'open'; index: number };
}

export interface TcpConversation {
  transport: 'tcp';
  /** The side that opened the connection (sent SYN), else the one not on port 4370, else the higher port. */
  client: { address: string; port: number };
  server: { address: string; port: number };
  toServer: HalfStream;
  toClient: HalfStream;
  firstIndex: number;
}

/**
 * Groups segments into connections and each direction into its byte stream by sequence number, so capture
 * order never matters (the swapped-reads fixture: two 256-byte segments listed out of order, zk-tcp §1).
 * Overlapping and retransmitted segments contribute only bytes not seen yet; the first copy wins.
 */
export function reassemble(segments: readonly TcpSegment[]): TcpConversation[] {
  const out: TcpConversation[] = [];
  for (const list of byConversation(segments)) {
    const first = list[0]!;
    const syn = list.find((s) => s.flags & TcpFlag.SYN && !(s.flags & TcpFlag.ACK));
    let clientIsSrc: boolean;
    if (syn) clientIsSrc = syn.src === first.src && syn.srcPort === first.srcPort;
    else if (first.dstPort === ZK_PORT || first.srcPort === ZK_PORT) clientIsSrc = first.dstPort === ZK_PORT;
    else clientIsSrc = first.srcPort > first.dstPort;
    const { client, server } = ends(first, clientIsSrc);
    out.push({
      transport: 'tcp',
      client,
      server,
      toServer: halfStream(sentBy(list, client), client, server),
      toClient: halfStream(sentBy(list, server), server, client),
      firstIndex: first.index,
    });
  }
  return out.sort((x, y) => x.firstIndex - y.firstIndex);
}

type Endpoint = { address: string; port: number };

function halfStream(segs: TcpSegment[], src: Endpoint, dst: Endpoint): HalfStream {
  const syn = segs.find((s) => s.flags & TcpFlag.SYN);
  const data = segs.filter((s) => s.payload.length > 0);
  // sequence numbers wrap at 2^32: work with signed 32-bit distances from the first byte
  const origin = syn ? (syn.seq + 1) >>> 0 : (data[0]?.seq ?? 0);
  const rel = (s: TcpSegment) => (s.seq - origin) | 0;
  const min = syn ? 0 : Math.min(0, ...data.map(rel));
  const ordered = data
    .map((s) => ({ s, at: rel(s) - min }))
    .sort((x, y) => x.at - y.at || x.s.index - y.s.index);
  const parts: Buffer[] = [];
  const pieces: StreamPiece[] = [];
  const gaps: HalfStream['gaps'] = [];
  let cursor = ordered[0]?.at ?? 0;
  let written = 0;
  let duplicateBytes = 0;
  let readableAt = -1;
  for (const { s, at } of ordered) {
    const end = at + s.payload.length;
    if (end <= cursor) {
      duplicateBytes += s.payload.length;
      continue;
    }
    if (at > cursor) {
      gaps.push({ offset: written, length: at - cursor });
      cursor = at;
    }
    const fresh = s.payload.subarray(cursor - at);
    duplicateBytes += s.payload.length - fresh.length;
    readableAt = Math.max(readableAt, s.index);
    parts.push(fresh);
    pieces.push({ offset: written, length: fresh.length, index: s.index, readableAt });
    written += fresh.length;
    cursor = end;
  }
  const rst = segs.find((s) => s.flags & TcpFlag.RST);
  const fin = segs.find((s) => s.flags & TcpFlag.FIN);
  const ender = rst ?? fin;
  return {
    src: src.address,
    srcPort: src.port,
    dst: dst.address,
    dstPort: dst.port,
    bytes: Buffer.concat(parts, written),
    pieces,
    gaps,
    duplicateBytes,
    end: ender ? { how: rst ? 'rst' : 'fin', index: ender.index } : { how: 'open', index: -1 },
  };
}
