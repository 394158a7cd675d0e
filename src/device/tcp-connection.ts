import { connect, type Socket } from 'node:net';
import type { FrameError } from '../../protocol/errors.js';
import { Command, nextReplyId } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { DeviceClosedError, DeviceProtocolError, DeviceTimeoutError, type SessionContext } from './errors.js';

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
}

interface Pending {
  ctx: SessionContext;
  handler: AnswerHandler;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP connection to a terminal. Frames are routed by command: realtime events (500 with reply id 0)
 * go to the event path, everything else to the outstanding request by reply id (zk-tcp.md §12, §4).
 * One request is in flight at a time, as terminals expect.
 */
export class ZkTcpConnection {
  private readonly socket: Socket;
  private readonly framer: TcpFramer;
  private pending: Pending | undefined;
  private replyId = 0;
  private closedError: Error | undefined;
  private currentOffset: number | undefined;
  session = 0;
  device: string;

  private constructor(
    private readonly opts: ConnectionOptions,
    socket: Socket,
  ) {
    this.device = opts.device;
    this.socket = socket;
    this.framer = new TcpFramer(opts.device);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk) => {
      opts.onBytes?.('in', chunk);
      this.onData(chunk);
    });
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => this.onClose(err));
  }

  static open(opts: ConnectionOptions): Promise<ZkTcpConnection> {
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
        resolve(new ZkTcpConnection(opts, socket));
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
    if (this.closedError)
      return Promise.reject(new DeviceClosedError(ctx, this.frameOffset, 'already closed', this.closedError));
    if (this.pending) throw new Error(`request ${command} while ${this.pending.ctx.command} is outstanding`);
    return new Promise<void>((resolve, reject) => {
      this.pending = { ctx, handler, resolve, reject, timer: this.armTimer(ctx) };
      this.write(encodeTcpPacket(command, this.session, replyId, data));
    });
  }

  /** Sends a single packet with no answer expected (event acknowledgements use reply id 0). */
  send(command: number, replyId: number, data?: Uint8Array): void {
    if (!this.closedError) this.write(encodeTcpPacket(command, this.session, replyId, data));
  }

  private write(bytes: Buffer): void {
    this.opts.onBytes?.('out', bytes);
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
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
    this.closedError ??= err ?? new Error('closed');
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
    if (err instanceof DeviceTimeoutError) this.socket.destroy();
  }
}
