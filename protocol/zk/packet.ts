import { Parser } from 'binary-parser';
import { FrameError } from '../errors.js';
import { zkChecksum } from './checksum.js';

/** One ZK packet: the 8-byte header (zk-tcp §2) and its data. */
export interface ZkPacket {
  command: number;
  checksum: number;
  /** Session id; the event code in realtime packets; a packet counter in chunk DATA. */
  session: number;
  replyId: number;
  data: Buffer;
}

export const HEADER_SIZE = 8;
export const ENVELOPE_SIZE = 8;
export const ENVELOPE_MAGIC = Buffer.from([0x50, 0x50, 0x82, 0x7d]);

const headerParser = new Parser()
  .endianness('little')
  .uint16('command')
  .uint16('checksum')
  .uint16('session')
  .uint16('replyId');

type ZkHeader = Omit<ZkPacket, 'data'>;

/** Decodes a packet as it travels inside a TCP envelope or alone in a UDP datagram. */
export function decodePacket(bytes: Buffer): ZkPacket {
  // a UDP datagram can be anything: fewer than 8 bytes is a typed error, not binary-parser's RangeError
  if (bytes.length < HEADER_SIZE)
    throw new FrameError({
      offset: 0,
      bytes,
      reason: 'short',
      detail: `${bytes.length} bytes, a ZK header needs ${HEADER_SIZE}`,
    });
  const header = headerParser.parse(bytes) as ZkHeader;
  return { ...header, data: bytes.subarray(HEADER_SIZE) };
}

export function packetChecksumValid(bytes: Uint8Array): boolean {
  return bytes[2]! + (bytes[3]! << 8) === zkChecksum(bytes);
}

/** Header + data with a correct checksum: the UDP datagram form. */
export function encodePacket(command: number, session: number, replyId: number, data?: Uint8Array): Buffer {
  const size = HEADER_SIZE + (data?.length ?? 0);
  const out = Buffer.alloc(size);
  out.writeUInt16LE(command, 0);
  out.writeUInt16LE(session, 4);
  out.writeUInt16LE(replyId, 6);
  if (data) out.set(data, HEADER_SIZE);
  out.writeUInt16LE(zkChecksum(out), 2);
  return out;
}

/** The TCP form: envelope (magic + u32 length of header and data) then the packet. */
export function encodeTcpPacket(
  command: number,
  session: number,
  replyId: number,
  data?: Uint8Array,
): Buffer {
  const size = HEADER_SIZE + (data?.length ?? 0);
  const out = Buffer.alloc(ENVELOPE_SIZE + size);
  ENVELOPE_MAGIC.copy(out, 0);
  out.writeUInt32LE(size, 4);
  out.writeUInt16LE(command, 8);
  out.writeUInt16LE(session, 12);
  out.writeUInt16LE(replyId, 14);
  if (data) out.set(data, ENVELOPE_SIZE + HEADER_SIZE);
  out.writeUInt16LE(zkChecksum(out.subarray(ENVELOPE_SIZE)), 10);
  return out;
}
