import { Parser } from 'binary-parser';
import { ByteWriter } from '../bytes/byte-writer.js';
import { FrameError } from '../errors.js';
import { Command } from './commands.js';

/**
 * The buffered bulk read (zk-tcp §9): 1503 asks the device to prepare a dataset, 1504 fetches it chunk
 * by chunk, each chunk answered by PREPARE_DATA, DATA…, ACK_OK; FREE_DATA releases it.
 */

/** Chunk size on TCP used by the field-proven clients (zk-tcp §9.3). */
export const TCP_CHUNK_SIZE = 0xffc0;

export interface PrepareBufferRequest {
  command: number;
  fct: number;
  ext: number;
}

/** What to read: attendance (command 13, fct 0) or users (command 9, fct 5). */
export const Dataset = {
  attendance: { command: Command.ATTLOG_RRQ, fct: 0, ext: 0 },
  users: { command: Command.USERTEMP_RRQ, fct: 5, ext: 0 },
} as const satisfies Record<string, PrepareBufferRequest>;

/** Too few data bytes for a fixed layout: a typed error instead of binary-parser's RangeError. */
function requireLength(data: Buffer, length: number, command: number, what: string): void {
  if (data.length < length)
    throw new FrameError({
      command,
      offset: 0,
      bytes: data,
      reason: 'short',
      detail: `${what}: ${data.length} data bytes, needs ${length}`,
    });
}

const prepareBufferParser = new Parser()
  .endianness('little')
  .uint8('flag')
  .uint16('command')
  .uint32('fct')
  .uint32('ext');

export function encodePrepareBuffer(r: PrepareBufferRequest): Buffer {
  return new ByteWriter(11, '1503 request')
    .u8(0, 1, 'flag')
    .u16(1, r.command, 'command')
    .u32(3, r.fct, 'fct')
    .u32(7, r.ext, 'ext').bytes;
}

export function decodePrepareBuffer(data: Buffer): PrepareBufferRequest {
  requireLength(data, 11, Command.PREPARE_BUFFER, '1503 request');
  const { command, fct, ext } = prepareBufferParser.parse(data) as PrepareBufferRequest & { flag: number };
  return { command, fct, ext };
}

/** ACK_OK answer to 1503 when the dataset is not sent inline: `00`, u32 size, u32 size, u32 unknown (§9.2). */
export interface BufferSize {
  size: number;
  sizeAgain: number;
  unknown: number;
}

const bufferSizeParser = new Parser()
  .endianness('little')
  .uint8('flag')
  .uint32('size')
  .uint32('sizeAgain')
  .uint32('unknown');

export const BUFFER_SIZE_ANSWER_LENGTH = 13;

export function decodeBufferSize(data: Buffer): BufferSize {
  requireLength(data, BUFFER_SIZE_ANSWER_LENGTH, Command.ACK_OK, '1503 size answer');
  const { size, sizeAgain, unknown } = bufferSizeParser.parse(data) as BufferSize;
  return { size, sizeAgain, unknown };
}

export function encodeBufferSize(size: number, unknown = 0): Buffer {
  return new ByteWriter(BUFFER_SIZE_ANSWER_LENGTH, '1503 size answer')
    .u32(1, size, 'size')
    .u32(5, size, 'sizeAgain')
    .u32(9, unknown, 'unknown').bytes;
}

/** 1504 request and PREPARE_DATA answer share one shape: two u32 (offset+length, or length+max packet). */
export interface ChunkRequest {
  offset: number;
  length: number;
}

const twoU32 = new Parser().endianness('little').uint32('a').uint32('b');

export function encodeReadBuffer(r: ChunkRequest): Buffer {
  return new ByteWriter(8, '1504 request').u32(0, r.offset, 'offset').u32(4, r.length, 'length').bytes;
}

export function decodeReadBuffer(data: Buffer): ChunkRequest {
  requireLength(data, 8, Command.READ_BUFFER, '1504 request');
  const { a, b } = twoU32.parse(data) as { a: number; b: number };
  return { offset: a, length: b };
}

export interface PrepareData {
  length: number;
  /** Plausibly the device's largest DATA payload (seen 1008, 65528). */
  packetSize: number;
}

export function encodePrepareData(p: PrepareData): Buffer {
  return new ByteWriter(8, 'PREPARE_DATA').u32(0, p.length, 'length').u32(4, p.packetSize, 'packetSize')
    .bytes;
}

export function decodePrepareData(data: Buffer): PrepareData {
  const { a, b } = twoU32.parse(
    data.length >= 8 ? data : Buffer.concat([data, Buffer.alloc(8 - data.length)]),
  ) as {
    a: number;
    b: number;
  };
  return { length: a, packetSize: b };
}

/** Splits a dataset into the 1504 requests a client makes for it. */
export function chunkRequests(size: number, chunk = TCP_CHUNK_SIZE): ChunkRequest[] {
  const out: ChunkRequest[] = [];
  for (let offset = 0; offset < size; offset += chunk)
    out.push({ offset, length: Math.min(chunk, size - offset) });
  return out;
}
