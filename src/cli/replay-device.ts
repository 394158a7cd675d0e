import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { TcpConversation } from '../../protocol/pcap/tcp-stream.js';
import { Command, commandLabel } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import type { Logger } from '../ops/log.js';
import { frameStream } from './replay-timeline.js';

/** One recorded request and the device bytes that followed it until the next request. */
export interface RecordedExchange {
  request: ZkPacket;
  answer: Buffer;
}

export interface DeviceScript {
  /** Device bytes readable before the client's first request (none on a ZK device). */
  greeting: Buffer;
  exchanges: RecordedExchange[];
  /** The recorded device closed the connection (FIN or RST) before the client did: the session broke. */
  deviceClosed: boolean;
}

const isEventAck = (p: ZkPacket) => p.command === Command.ACK_OK && p.replyId === 0;

/**
 * Splits a recorded session into request → answer bytes. A device byte belongs to the last client request
 * readable before it (capture order of the segments, after reassembly), which holds for a device that
 * answers one request at a time, as ZK terminals do.
 */
export function deviceScript(conv: TcpConversation): DeviceScript {
  const requests = frameStream(conv.toServer, 'client').filter((e) => e.packet && !isEventAck(e.packet));
  const device = conv.toClient;
  const slices: Buffer[][] = requests.map(() => []);
  const greeting: Buffer[] = [];
  let r = -1;
  for (const piece of device.pieces) {
    while (r + 1 < requests.length && requests[r + 1]!.at < piece.readableAt) r++;
    (r < 0 ? greeting : slices[r]!).push(device.bytes.subarray(piece.offset, piece.offset + piece.length));
  }
  return {
    greeting: Buffer.concat(greeting),
    exchanges: requests.map((e, i) => ({ request: e.packet!, answer: Buffer.concat(slices[i]!) })),
    deviceClosed:
      device.end.how !== 'open' &&
      (conv.toServer.end.how === 'open' || device.end.index < conv.toServer.end.index),
  };
}

/** Same command, and for chunk reads the same offset and length: the recorded answer fits this request. */
function fits(recorded: ZkPacket, live: ZkPacket): boolean {
  if (recorded.command !== live.command) return false;
  return live.command !== Command.READ_BUFFER || recorded.data.equals(live.data);
}

/** Recorded answer bytes with the recorded request's reply id replaced by the live one (checksums redone). */
function restamp(answer: Buffer, recordedId: number, liveId: number): Buffer {
  if (recordedId === liveId) return answer;
  const framer = new TcpFramer('replay');
  const out: Buffer[] = [];
  for (const r of framer.push(answer)) {
    if ('error' in r) continue;
    const p = r.packet;
    out.push(encodeTcpPacket(p.command, p.session, p.replyId === recordedId ? liveId : p.replyId, p.data));
  }
  // a recording cut inside a frame (broken session) ends in bytes no frame holds: send them as recorded
  const pending = framer.pending;
  if (pending > 0) out.push(answer.subarray(answer.length - pending));
  return Buffer.concat(out);
}

export interface ReplayDevice {
  host: string;
  port: number;
  /** Called once, when the first served client has gone. */
  onFirstClose?: () => void;
  close(): Promise<void>;
}

/**
 * Serves a recorded device to live clients: each request gets the recorded answer of the next recorded
 * request with the same command (re-stamped with the live reply id); a request the recording has no answer
 * for gets ACK_UNKNOWN; when the recording ends with the device closing, the live connection is closed at
 * the same point, so a broken session breaks again.
 */
export async function startReplayDevice(
  script: DeviceScript,
  opts: { host?: string; port?: number; logger?: Logger } = {},
): Promise<ReplayDevice> {
  const sockets = new Set<Socket>();
  let closedOnce = false;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (!closedOnce) {
        closedOnce = true;
        device.onFirstClose?.();
      }
    });
    socket.on('error', () => socket.destroy());
    serve(socket, script, opts.logger);
  });
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('replay device has no TCP address');
  const device: ReplayDevice = {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        // bounded: a half-closed client socket must not keep a finished replay alive
        const timer = setTimeout(resolve, 2000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
  return device;
}

function serve(socket: Socket, script: DeviceScript, logger: Logger | undefined): void {
  const framer = new TcpFramer('replay-client');
  let next = 0;
  if (script.greeting.length > 0) socket.write(script.greeting);
  socket.on('data', (chunk) => {
    for (const r of framer.push(chunk)) {
      if ('error' in r || isEventAck(r.packet)) continue;
      const live = r.packet;
      let i = next;
      while (i < script.exchanges.length && !fits(script.exchanges[i]!.request, live)) i++;
      const ex = script.exchanges[i];
      if (!ex) {
        logger?.warn({ command: commandLabel(live.command), replyId: live.replyId }, 'no recorded answer');
        if (script.deviceClosed && next >= script.exchanges.length) socket.end();
        // a terminal always acknowledges goodbye; a recording may stop before the client said it
        else if (live.command === Command.EXIT)
          socket.end(encodeTcpPacket(Command.ACK_OK, live.session, live.replyId));
        else socket.write(encodeTcpPacket(Command.ACK_UNKNOWN, live.session, live.replyId));
        continue;
      }
      next = i + 1;
      socket.write(restamp(ex.answer, ex.request.replyId, live.replyId));
      if (next === script.exchanges.length && script.deviceClosed) socket.end();
    }
  });
}
