import { FrameError } from '../errors.js';
import { decodePacket, ENVELOPE_SIZE, HEADER_SIZE, packetChecksumValid, type ZkPacket } from './packet.js';

/** Larger length fields are garbage: real DATA frames stop near 64 KiB (zk-tcp §1). */
export const MAX_FRAME_LENGTH = 1024 * 1024;

export type FrameResult = { packet: ZkPacket; offset: number } | { error: FrameError };

/**
 * Cuts a TCP byte stream into ZK packets. Bytes are appended into one growing buffer and whole frames are
 * sliced out, so the cost is O(n) however the stream was split (zk-tcp §1: frames span reads and reads
 * hold several frames). After a bad frame the framer resyncs on the next magic, so one garbage frame does
 * not end the session.
 */
export class TcpFramer {
  private buf = Buffer.alloc(4096);
  private start = 0;
  private end = 0;
  /** Stream offset of buf[0], for error offsets. */
  private base = 0;

  constructor(private readonly device = 'unknown') {}

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Stream offset of the first byte not yet consumed. */
  get streamOffset(): number {
    return this.base + this.start;
  }

  push(chunk: Uint8Array): FrameResult[] {
    this.append(chunk);
    const out: FrameResult[] = [];
    for (;;) {
      const r = this.next();
      if (!r) break;
      out.push(r);
    }
    return out;
  }

  /** Error for whatever is left when the stream ends, or undefined when it ended on a frame boundary. */
  finish(): FrameError | undefined {
    if (this.pending === 0) return undefined;
    const bytes = this.buf.subarray(this.start, this.end);
    const command = bytes.length >= ENVELOPE_SIZE + 2 ? bytes.readUInt16LE(ENVELOPE_SIZE) : undefined;
    return new FrameError({
      device: this.device,
      ...(command === undefined ? {} : { command }),
      offset: this.streamOffset,
      bytes,
      reason: 'truncated',
      detail: `stream ended inside a frame (${bytes.length} bytes pending)`,
    });
  }

  private append(chunk: Uint8Array): void {
    const need = this.end + chunk.length;
    if (need > this.buf.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const bigger = Buffer.alloc(Math.max(this.buf.length * 2, live + chunk.length));
        this.buf.copy(bigger, 0, this.start, this.end);
        this.buf = bigger;
      }
      this.base += this.start;
      this.end = live;
      this.start = 0;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private next(): FrameResult | undefined {
    const avail = this.end - this.start;
    if (avail < 4) return undefined;
    const at = this.start;
    const offset = this.base + at;
    if (!this.magicAt(at))
      return { error: this.skipGarbage(offset, 'magic', 'no envelope magic 50 50 82 7d') };
    if (avail < ENVELOPE_SIZE) return undefined;
    const length = this.buf.readUInt32LE(at + 4);
    if (length < HEADER_SIZE || length > MAX_FRAME_LENGTH) {
      return {
        error: this.skipGarbage(
          offset,
          'length',
          `length field ${length} outside ${HEADER_SIZE}…${MAX_FRAME_LENGTH}`,
        ),
      };
    }
    if (avail < ENVELOPE_SIZE + length) return undefined;
    const body = this.buf.subarray(at + ENVELOPE_SIZE, at + ENVELOPE_SIZE + length);
    if (!packetChecksumValid(body)) {
      const command = body.readUInt16LE(0);
      this.start += ENVELOPE_SIZE + length;
      return {
        error: new FrameError({
          device: this.device,
          command,
          offset: offset + ENVELOPE_SIZE + 2,
          bytes: this.buf.subarray(at, at + ENVELOPE_SIZE + length),
          reason: 'checksum',
          detail: 'checksum does not match',
        }),
      };
    }
    // copy out: the packet outlives this buffer, which is reused for later frames
    const packet = decodePacket(Buffer.from(body));
    this.start += ENVELOPE_SIZE + length;
    if (this.start === this.end) {
      this.base += this.start;
      this.start = this.end = 0;
    }
    return { packet, offset };
  }

  private magicAt(at: number): boolean {
    const b = this.buf;
    return b[at] === 0x50 && b[at + 1] === 0x50 && b[at + 2] === 0x82 && b[at + 3] === 0x7d;
  }

  /** Drops bytes up to the next possible magic and reports what was dropped. */
  private skipGarbage(offset: number, reason: 'magic' | 'length', detail: string): FrameError {
    const from = this.start;
    let at = from + 1;
    while (at + 4 <= this.end && !this.magicAt(at)) at++;
    if (at + 4 > this.end) at = Math.max(from + 1, this.end - 3);
    const err = new FrameError({
      device: this.device,
      offset,
      bytes: this.buf.subarray(from, Math.min(this.end, from + 32)),
      reason,
      detail: `${detail}; skipped ${at - from} bytes`,
    });
    this.start = at;
    return err;
  }
}
