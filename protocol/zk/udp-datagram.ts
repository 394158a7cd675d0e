import { FrameError } from '../errors.js';
import { decodePacket, HEADER_SIZE, packetChecksumValid } from './packet.js';
import type { FrameResult } from './tcp-framer.js';

/** Old terminals answer bulk reads in datagrams of at most 1024 data bytes (zk-tcp §14). */
export const UDP_MAX_DATA = 1024;
/** pyzk's 1504 chunk on UDP: 16 KiB, so a lost datagram costs one small chunk (§14). */
export const UDP_CHUNK_SIZE = 16 * 1024;

/**
 * The UDP variant has no envelope: one datagram is one ZK packet (zk-tcp §14). Same result shape as
 * TcpFramer, so a connection routes packets the same way whatever the transport; `offset` counts datagram
 * bytes received, for error reports.
 */
export class UdpDeframer {
  private received = 0;

  constructor(private readonly device = 'unknown') {}

  get streamOffset(): number {
    return this.received;
  }

  /** Datagrams are whole or lost, never split: nothing is ever pending. */
  get pending(): number {
    return 0;
  }

  push(datagram: Uint8Array): FrameResult[] {
    const offset = this.received;
    this.received += datagram.length;
    const bytes = Buffer.from(datagram);
    if (bytes.length < HEADER_SIZE)
      return [
        {
          error: new FrameError({
            device: this.device,
            offset,
            bytes,
            reason: 'short',
            detail: `${bytes.length}-byte datagram, a ZK header needs ${HEADER_SIZE}`,
          }),
        },
      ];
    if (!packetChecksumValid(bytes))
      return [
        {
          error: new FrameError({
            device: this.device,
            command: bytes.readUInt16LE(0),
            offset: offset + 2,
            bytes,
            reason: 'checksum',
            detail: 'checksum does not match',
          }),
        },
      ];
    return [{ packet: decodePacket(bytes), offset }];
  }

  finish(): FrameError | undefined {
    return undefined;
  }
}
