import { createSocket } from 'node:dgram';
import type { FrameError } from '../../protocol/errors.js';
import { Command } from '../../protocol/zk/commands.js';
import { encodePacket } from '../../protocol/zk/packet.js';
import type { FrameResult } from '../../protocol/zk/tcp-framer.js';
import { UDP_CHUNK_SIZE, UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { DeviceClosedError } from './errors.js';

/** What a connection needs from a transport: TCP stream + framer, or UDP datagrams + deframer. */
export interface Wire {
  framer: {
    push(chunk: Uint8Array): FrameResult[];
    finish(): FrameError | undefined;
    readonly streamOffset: number;
    readonly pending: number;
  };
  encode: typeof encodePacket;
  /** Largest 1504 chunk: 0xFFC0 on TCP, 16 KiB on UDP (zk-tcp §9.3, §14). */
  chunkSize: number;
  /**
   * Datagrams can be lost with no retransmission (UDP, §14): a missing answer means ask again, not a dead
   * link. On TCP a timeout means the stream is stuck and the connection is dropped.
   */
  lossy: boolean;
  write(bytes: Buffer): void;
  destroy(): void;
  /** Stops and restarts reading (a TCP socket: the terminal meets backpressure); UDP has none. */
  flow?: { pause(): void; resume(): void };
}

/** Where a wire delivers what arrives; bound once the connection object exists. */
export interface WireEvents {
  data(bytes: Buffer): void;
  close(err?: Error): void;
}

/**
 * UDP (zk-tcp §14): one local port per session, connected to the terminal so only its datagrams
 * arrive and replies come back to our source port. There is no close from the other side: a silent
 * terminal shows up as a timeout.
 */
export function connectUdp(
  opts: { host: string; port: number; device: string; onBytes?: (d: 'in' | 'out', b: Buffer) => void },
  events: WireEvents,
): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const ctx = { device: opts.device, command: Command.CONNECT, replyId: 0 };
    socket.once('error', (err) => {
      socket.close();
      reject(new DeviceClosedError(ctx, 0, `cannot reach ${opts.host}:${opts.port} over UDP`, err));
    });
    socket.connect(opts.port, opts.host, () => {
      socket.removeAllListeners('error');
      let open = true;
      socket.on('message', (msg) => {
        opts.onBytes?.('in', msg);
        events.data(msg);
      });
      socket.on('close', () => events.close());
      socket.on('error', (err) => events.close(err));
      resolve({
        framer: new UdpDeframer(opts.device),
        encode: encodePacket,
        chunkSize: UDP_CHUNK_SIZE,
        lossy: true,
        write: (b) => {
          if (open) socket.send(b);
        },
        destroy: () => {
          if (!open) return;
          open = false;
          socket.close();
        },
      });
    });
  });
}
