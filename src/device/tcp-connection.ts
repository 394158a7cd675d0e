import { connect, type Socket } from 'node:net';
import type { FrameError } from '../../protocol/errors.js';
import { TCP_CHUNK_SIZE } from '../../protocol/zk/buffered-read.js';
import { Command, nextReplyId } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import {
  DeviceClosedError,
  DeviceProtocolError,
  DeviceTimeoutError,
  RequestOverlapError,
  type SessionContext,
} from './errors.js';
import { connectUdp, type Wire, type WireEvents } from './wire.js';

/**
 * What a request's answer looks like to the connection: each packet with the request's reply id is handed
 * over until the handler returns true (one packet for most commands, PREPARE_DATA…DATA…ACK_OK for a chunk).
 */
export type AnswerHandler = (packet: ZkPacket) => boolean;

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Name for logs and errors until the serial is known. */
  device: string;
  /** Idle time allowed while waiting for the next packet of an answer. */
  timeoutMs: number;
  onFrameError?: (err: FrameError) => void;
  onEvent?: (packet: ZkPacket) => void;
  /** Every byte sent and received, as it crosses the socket (session capture to pcap). */
  onBytes?: (direction: 'in' | 'out', bytes: Buffer) => void;
  /** Aborting closes the socket: the outstanding request fails with DeviceClosedError at once. */
  signal?: AbortSignal;
  /** `udp`: no envelope, one datagram per packet, 16 KiB chunks (zk-tcp §14). Default `tcp`. */
  transport?: 'tcp' | 'udp';
}

interface Pending {
  ctx: SessionContext;
  handler: AnswerHandler;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One connection to a terminal, over TCP (envelope + framer) or UDP (`transport: 'udp'`, one datagram per
 * packet, §14); the name stays for the callers that predate UDP. Frames are routed by command: realtime events (500 with reply id 0)
 * go to the event path, everything else to the outstanding request by reply id (zk-tcp §12, §4).
 * One request is in flight at a time, as terminals expect.
 */
export class ZkTcpConnection {
  private readonly wire: Wire;
  private readonly framer: Wire['framer'];
  private pending: Pending | undefined;
  private replyId = 0;
  /** Set once the socket has closed, with the socket's error if it had one. */
  private closedBy: { cause: Error | undefined } | undefined;
  private currentOffset: number | undefined;
  session = 0;
  device: string;

  private constructor(
    private readonly opts: ConnectionOptions,
    wire: Wire,
  ) {
    this.device = opts.device;
    this.wire = wire;
    this.framer = wire.framer;
    const abort = () => wire.destroy();
    opts.signal?.addEventListener('abort', abort, { once: true });
    this.closed = () => opts.signal?.removeEventListener('abort', abort);
    if (opts.signal?.aborted) wire.destroy();
  }

  private readonly closed: () => void;

  /** Largest 1504 chunk for this transport: 0xFFC0 on TCP, 16 KiB on UDP (zk-tcp §9.3, §14). */
  get chunkSize(): number {
    return this.wire.chunkSize;
  }

  /** Pauses and resumes reading; undefined on UDP, which cannot push back. */
  get readFlow(): Wire['flow'] {
    return this.wire.flow;
  }

  /** UDP: answers can be lost, so a timed-out request may be sent again on this link (datagram-retry.ts). */
  get lossy(): boolean {
    return this.wire.lossy;
  }

  /** Requests sent again after a lost datagram, over the life of this connection. */
  resent = 0;

  private static fromTcp(opts: ConnectionOptions, socket: Socket): ZkTcpConnection {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const conn = new ZkTcpConnection(opts, {
      framer: new TcpFramer(opts.device),
      encode: encodeTcpPacket,
      chunkSize: TCP_CHUNK_SIZE,
      lossy: false,
      write: (b) => socket.write(b),
      destroy: () => socket.destroy(),
      flow: { pause: () => socket.pause(), resume: () => socket.resume() },
    });
    socket.on('data', (chunk) => {
      opts.onBytes?.('in', chunk);
      conn.onData(chunk);
    });
    socket.on('close', () => conn.onClose());
    socket.on('error', (err) => conn.onClose(err));
    return conn;
  }

  /** UDP (zk-tcp §14): the same routing over datagrams (wire.ts). */
  static async openUdp(opts: ConnectionOptions): Promise<ZkTcpConnection> {
    const events: WireEvents = { data: () => {}, close: () => {} };
    const conn = new ZkTcpConnection(opts, await connectUdp(opts, events));
    events.data = (b) => conn.onData(b);
    events.close = (err) => conn.onClose(err);
    return conn;
  }

  static open(opts: ConnectionOptions): Promise<ZkTcpConnection> {
    if (opts.transport === 'udp') return ZkTcpConnection.openUdp(opts);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port });
      const ctx = { device: opts.device, command: Command.CONNECT, replyId: 0 };
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DeviceTimeoutError(ctx, opts.timeoutMs, 0));
      }, opts.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(ZkTcpConnection.fromTcp(opts, socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new DeviceClosedError(
            ctx,
            0,
            `cannot connect to ${opts.host}:${opts.port} (${(err as NodeJS.ErrnoException).code ?? err.message})`,
            err,
          ),
        );
      });
    });
  }

  /** Stream offset of the frame being handled (or of the next byte), for error reports. */
  get frameOffset(): number {
    return this.currentOffset ?? this.framer.streamOffset;
  }

  /** Sends one request and feeds its answer packets to `handler` until it reports the answer complete. */
  request(command: number, data: Uint8Array | undefined, handler: AnswerHandler): Promise<void> {
    const replyId = this.replyId;
    this.replyId = nextReplyId(this.replyId);
    const ctx: SessionContext = { device: this.device, command, replyId };
    if (this.closedBy)
      return Promise.reject(
        new DeviceClosedError(ctx, this.frameOffset, 'already closed', this.closedBy.cause),
      );
    if (this.pending) throw new RequestOverlapError(ctx, this.pending.ctx.command);
    return new Promise<void>((resolve, reject) => {
      this.pending = { ctx, handler, resolve, reject, timer: this.armTimer(ctx) };
      this.write(this.wire.encode(command, this.session, replyId, data));
    });
  }

  /** Sends a single packet with no answer expected (event acknowledgements use reply id 0). */
  send(command: number, replyId: number, data?: Uint8Array): void {
    if (!this.closedBy) this.write(this.wire.encode(command, this.session, replyId, data));
  }

  private write(bytes: Buffer): void {
    this.opts.onBytes?.('out', bytes);
    this.wire.write(bytes);
  }

  close(): void {
    this.wire.destroy();
  }

  private armTimer(ctx: SessionContext): NodeJS.Timeout {
    return setTimeout(
      () => this.fail(new DeviceTimeoutError(ctx, this.opts.timeoutMs, this.framer.streamOffset)),
      this.opts.timeoutMs,
    );
  }

  private onData(chunk: Buffer): void {
    for (const r of this.framer.push(chunk)) {
      this.currentOffset = undefined;
      if ('error' in r) {
        this.opts.onFrameError?.(r.error);
        // the answer we wait for may be the bad frame: fail fast rather than at the timeout; the
        // framer has resynced, so the connection itself stays usable
        if (this.pending) {
          const { ctx } = this.pending;
          this.fail(new DeviceProtocolError(ctx, r.error.offset, `bad frame (${r.error.reason})`, r.error));
        }
        continue;
      }
      const p = r.packet;
      if (p.command === Command.REG_EVENT && p.replyId === 0) {
        this.opts.onEvent?.(p);
        continue;
      }
      const pending = this.pending;
      if (!pending || p.replyId !== pending.ctx.replyId) continue;
      clearTimeout(pending.timer);
      let done: boolean;
      this.currentOffset = r.offset;
      try {
        done = pending.handler(p);
      } catch (err) {
        this.pending = undefined;
        pending.reject(err as Error);
        continue;
      }
      if (done) {
        this.pending = undefined;
        pending.resolve();
      } else {
        pending.timer = this.armTimer(pending.ctx);
      }
    }
  }

  private onClose(err?: Error): void {
    this.closed();
    this.closedBy ??= { cause: err };
    const pending = this.pending;
    if (!pending) return;
    const truncated = this.framer.finish();
    this.fail(
      new DeviceClosedError(
        pending.ctx,
        this.framer.streamOffset,
        truncated
          ? `terminal closed the connection inside a frame (${this.framer.pending} bytes pending)`
          : 'terminal closed the connection',
        err ?? truncated,
      ),
    );
  }

  private fail(err: Error): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.reject(err);
    // a TCP stream that went silent is stuck (or half-open); a UDP socket is not, the datagram was lost
    if (err instanceof DeviceTimeoutError && !this.wire.lossy) this.wire.destroy();
  }
}
