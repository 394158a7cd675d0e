import {
  BUFFER_SIZE_ANSWER_LENGTH,
  chunkRequests,
  decodeBufferSize,
  decodePrepareData,
  encodePrepareBuffer,
  encodeReadBuffer,
  type PrepareBufferRequest,
} from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import { retryLostDatagrams } from './datagram-retry.js';
import { DeviceProtocolError, DeviceRefusedError, IncompleteChunkError } from './errors.js';
import type { ZkTcpConnection } from './tcp-connection.js';

/** Largest dataset we accept: 100,000 × 49-byte records is 4.9 MB; anything near 64 MiB is a bad size field. */
const MAX_DATASET = 64 * 1024 * 1024;

export interface ReadProgress {
  received: number;
  total: number;
  /** Requests sent again so far on this connection after a lost UDP datagram (datagram-retry.ts). */
  resent: number;
}

/**
 * The buffered bulk read (zk-tcp §9): 1503, then one 1504 chunk in flight at a time, data written in place
 * into one preallocated buffer, then FREE_DATA. A chunk shorter than requested is an error, never a result:
 * a partial transfer must not be taken for the whole log. Over UDP a chunk that lost a datagram is asked
 * for again, whole, a bounded number of times (§14, datagram-retry.ts).
 *
 * `onArrived` gets the dataset's buffer and how many of its leading bytes are in, chunk by chunk: each
 * chunk is handed over while the terminal sends the next one, so what the caller does with the bytes
 * fills the time spent waiting on the terminal; the next chunk is asked for once both are done.
 */
export async function bufferedRead(
  conn: ZkTcpConnection,
  what: PrepareBufferRequest,
  onProgress?: (p: ReadProgress) => void,
  onArrived?: DatasetArrival,
): Promise<Buffer> {
  let inline: Buffer | undefined;
  let size = 0;
  await retryLostDatagrams(conn, () =>
    conn.request(Command.PREPARE_BUFFER, encodePrepareBuffer(what), (p) => {
      if (p.command === Command.DATA) inline = p.data;
      else if (p.command === Command.ACK_OK && p.data.length >= BUFFER_SIZE_ANSWER_LENGTH)
        size = decodeBufferSize(p.data).size;
      else
        throw new DeviceRefusedError(
          { device: conn.device, command: Command.PREPARE_BUFFER, replyId: p.replyId },
          p.command,
          conn.frameOffset,
        );
      return true;
    }),
  );
  if (inline) {
    onProgress?.({ received: inline.length, total: inline.length, resent: conn.resent });
    await onArrived?.(inline, inline.length);
    return inline;
  }
  if (size > MAX_DATASET) {
    throw new DeviceProtocolError(
      { device: conn.device, command: Command.PREPARE_BUFFER, replyId: 0 },
      conn.frameOffset,
      `announced dataset of ${size} bytes exceeds ${MAX_DATASET}`,
    );
  }
  const out = Buffer.alloc(size);
  try {
    let filled = 0;
    // async: a handler that throws rejects, so the chunk read in flight is still waited for
    const handOver = async (bytes: number) => onArrived?.(out, bytes);
    for (const chunk of chunkRequests(size, conn.chunkSize)) {
      const read = retryLostDatagrams(conn, () => readChunk(conn, out, chunk.offset, chunk.length));
      await bothSettled(read, filled > 0 ? handOver(filled) : undefined);
      filled = chunk.offset + chunk.length;
      onProgress?.({ received: filled, total: size, resent: conn.resent });
    }
    if (filled > 0) await handOver(filled);
  } finally {
    await conn.request(Command.FREE_DATA, undefined, () => true).catch(() => {});
  }
  return out;
}

/** Takes the dataset's buffer and how many of its leading bytes have arrived; the read waits for it. */
export type DatasetArrival = (dataset: Buffer, filled: number) => void | Promise<void>;

/**
 * Waits for both; a failed read wins over a failed handler (the terminal's error is the one to report), and
 * neither rejection is left unhandled when the other fails first.
 */
async function bothSettled(read: Promise<void>, handled: Promise<void> | undefined): Promise<void> {
  const [r, h] = await Promise.allSettled([read, handled]);
  if (r.status === 'rejected') throw r.reason;
  if (h.status === 'rejected') throw h.reason;
}

async function readChunk(conn: ZkTcpConnection, out: Buffer, offset: number, length: number): Promise<void> {
  let at = offset;
  const end = offset + length;
  let prepared = false;
  await conn.request(Command.READ_BUFFER, encodeReadBuffer({ offset, length }), (p) => {
    const ctx = { device: conn.device, command: Command.READ_BUFFER, replyId: p.replyId };
    switch (p.command) {
      case Command.PREPARE_DATA: {
        const announced = decodePrepareData(p.data).length;
        if (announced !== length) {
          throw new DeviceProtocolError(
            ctx,
            conn.frameOffset,
            `PREPARE_DATA announced ${announced} bytes for a ${length}-byte chunk`,
          );
        }
        prepared = true;
        return false;
      }
      case Command.DATA: {
        if (at + p.data.length > end)
          throw new IncompleteChunkError(ctx, conn.frameOffset, offset, length, at - offset + p.data.length);
        p.data.copy(out, at);
        at += p.data.length;
        // some terminals answer a 1504 with one bare DATA frame, no PREPARE_DATA and no ACK_OK (§9.4)
        return !prepared && at === end;
      }
      case Command.ACK_OK:
        if (at !== end) throw new IncompleteChunkError(ctx, conn.frameOffset, offset, length, at - offset);
        return true;
      default:
        throw new DeviceRefusedError(ctx, p.command, conn.frameOffset);
    }
  });
}
