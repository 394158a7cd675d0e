import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { isEventAck, ScriptCursor } from './cursor.js';
import type { DeviceScript, ReplayDevice } from './device.js';

export interface ListenOptions {
  host: string;
  port: number;
  logger: Logger | undefined;
  /** A client session is over (TCP: its socket closed; UDP: its session ended, e.g. after EXIT). */
  sessionEnded: () => void;
}

export type Listener = Pick<ReplayDevice, 'host' | 'port' | 'close'>;

/** The TCP side: each connection is one client with its own way through the script. */
export async function listenTcp(script: DeviceScript, o: ListenOptions): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      o.sessionEnded();
    });
    socket.on('error', () => socket.destroy());
    serveTcp(socket, new ScriptCursor(script, o.logger), script.greeting);
  });
  server.listen(o.port, o.host);
  await once(server, 'listening');
  // a TCP server listening on a host and port always has an AddressInfo
  const address = server.address() as AddressInfo;
  return {
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
}

function serveTcp(socket: Socket, cursor: ScriptCursor, greeting: Buffer[]): void {
  const framer = new TcpFramer('replay-client');
  for (const b of greeting) socket.write(b);
  socket.on('data', (chunk) => {
    for (const r of framer.push(chunk)) {
      if ('error' in r || isEventAck(r.packet)) continue;
      const a = cursor.answer(r.packet);
      for (const b of a.send) socket.write(b);
      if (a.end) socket.end();
    }
  });
}

/**
 * The UDP side (zk-tcp §14): answers go to the request's source address and port, and each source is
 * one client with its own way through the script. A client is known from its first datagram, so that is
 * when the greeting goes out.
 */
export async function listenUdp(script: DeviceScript, o: ListenOptions): Promise<Listener> {
  const socket = createSocket(isIPv6(o.host) ? 'udp6' : 'udp4');
  const cursors = new Map<string, ScriptCursor>();
  const deframer = new UdpDeframer('replay-client');
  socket.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    const send = (b: Buffer) => socket.send(b, from.port, from.address);
    let cursor = cursors.get(key);
    if (!cursor) {
      cursor = new ScriptCursor(script, o.logger);
      cursors.set(key, cursor);
      for (const b of script.greeting) send(b);
    }
    const r = deframer.push(msg)[0]!;
    if ('error' in r || isEventAck(r.packet)) return;
    const a = cursor.answer(r.packet);
    for (const b of a.send) send(b);
    if (a.end) {
      cursors.delete(key);
      o.sessionEnded();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(o.port, o.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => o.logger?.error({ err }, 'replay device UDP socket failed'));
  const address = socket.address();
  return {
    host: address.address,
    port: address.port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
