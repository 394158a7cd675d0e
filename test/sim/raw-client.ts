/**
 * A raw ZK client for the simulator tests: frames built with protocol/zk, every answer frame kept in
 * order, no session logic of its own — so a test sees exactly what the simulator sent.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { FrameError } from '../../protocol/errors.js';
import {
  Command,
  decodeBufferSize,
  decodePrepareData,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpPacket,
  nextReplyId,
  type PrepareBufferRequest,
  TCP_CHUNK_SIZE,
  TcpFramer,
  type ZkPacket,
} from '../../protocol/zk/index.js';

export class RawClient {
  session = 0;
  replyId = 0;
  readonly frameErrors: FrameError[] = [];
  readonly closed: Promise<void>;
  private readonly framer = new TcpFramer('sim');
  private readonly inbox: ZkPacket[] = [];
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const r of this.framer.push(chunk)) {
        if ('error' in r) this.frameErrors.push(r.error);
        else this.inbox.push(r.packet);
      }
      this.wake?.();
    });
    this.closed = once(socket, 'close').then(() => {
      this.wake?.();
    });
  }

  static async connect(port: number, t?: { teardown(fn: () => void): void }): Promise<RawClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    const client = new RawClient(socket);
    t?.teardown(() => socket.destroy());
    return client;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends one request with the client's session and the next reply id; returns that reply id. */
  send(command: number, data?: Uint8Array, replyId = nextReplyId(this.replyId)): number {
    this.replyId = replyId;
    this.write(encodeTcpPacket(command, this.session, replyId, data));
    return replyId;
  }

  /** The next frame the simulator sent, in order. */
  async next(timeoutMs = 5000): Promise<ZkPacket> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.socket.destroyed || Date.now() > deadline) throw new Error('no frame from the simulator');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.inbox.shift()!;
  }

  /** Whether nothing more arrives within `ms`. */
  async quiet(ms = 200): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.length === 0;
  }

  async request(command: number, data?: Uint8Array): Promise<ZkPacket> {
    this.send(command, data);
    return this.next();
  }

  async connectSession(): Promise<ZkPacket> {
    const answer = await this.request(Command.CONNECT);
    this.session = answer.session;
    return answer;
  }
}

export interface ChunkTrace {
  replyId: number;
  prepare: ZkPacket;
  data: ZkPacket[];
  ack: ZkPacket;
}

export interface BulkRead {
  /** Reply id of the 1503. */
  replyId: number;
  /** The first answer to 1503 (CMD_DATA inline, or ACK_OK with the size). */
  first: ZkPacket;
  dataset: Buffer;
  chunks: ChunkTrace[];
}

/** The whole buffered read (zk-tcp §9) as a careful client does it: one chunk in flight, then FREE_DATA. */
export async function bulkRead(
  c: RawClient,
  req: PrepareBufferRequest,
  chunk = TCP_CHUNK_SIZE,
): Promise<BulkRead> {
  const replyId = c.send(Command.PREPARE_BUFFER, encodePrepareBuffer(req));
  const first = await c.next();
  if (first.command === Command.DATA) return { replyId, first, dataset: first.data, chunks: [] };
  if (first.command !== Command.ACK_OK) throw new Error(`1503 answered ${first.command}`);
  const { size } = decodeBufferSize(first.data);
  const dataset = Buffer.alloc(size);
  const chunks: ChunkTrace[] = [];
  for (let offset = 0; offset < size; offset += chunk) {
    const length = Math.min(chunk, size - offset);
    const chunkReplyId = c.send(Command.READ_BUFFER, encodeReadBuffer({ offset, length }));
    const prepare = await c.next();
    const data: ZkPacket[] = [];
    let got = 0;
    while (got < decodePrepareData(prepare.data).length) {
      const p = await c.next();
      data.push(p);
      p.data.copy(dataset, offset + got);
      got += p.data.length;
    }
    chunks.push({ replyId: chunkReplyId, prepare, data, ack: await c.next() });
  }
  const freed = await c.request(Command.FREE_DATA);
  if (freed.command !== Command.ACK_OK) throw new Error(`FREE_DATA answered ${freed.command}`);
  return { replyId, first, dataset, chunks };
}
