import { Parser } from 'binary-parser';
import { ByteWriter } from '../bytes/byte-writer.js';
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

/** The header's fields but the checksum, which covers the data and is written last. */
function writeHeader(
  w: ByteWriter,
  at: number,
  command: number,
  session: number,
  replyId: number,
): ByteWriter {
  return w
    .u16(at, command, 'command')
    .u16(at + 4, session, 'session')
    .u16(at + 6, replyId, 'replyId');
}

/** Header + data with a correct checksum: the UDP datagram form. */
export function encodePacket(command: number, session: number, replyId: number, data?: Uint8Array): Buffer {
  const w = writeHeader(
    new ByteWriter(HEADER_SIZE + (data?.length ?? 0), 'ZK packet'),
    0,
    command,
    session,
    replyId,
  );
  if (data) w.copy(HEADER_SIZE, data);
  return w.u16(2, zkChecksum(w.bytes), 'checksum').bytes;
}

/** The TCP form: envelope (magic + u32 length of header and data) then the packet. */
export function encodeTcpPacket(
  command: number,
  session: number,
  replyId: number,
  data?: Uint8Array,
): Buffer {
  const size = HEADER_SIZE + (data?.length ?? 0);
  const w = new ByteWriter(ENVELOPE_SIZE + size, 'ZK TCP packet')
    .copy(0, ENVELOPE_MAGIC)
    .u32(4, size, 'length');
  writeHeader(w, ENVELOPE_SIZE, command, session, replyId);
  if (data) w.copy(ENVELOPE_SIZE + HEADER_SIZE, data);
  return w.u16(ENVELOPE_SIZE + 2, zkChecksum(w.bytes.subarray(ENVELOPE_SIZE)), 'checksum').bytes;
}
