import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { encodeTcpPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { SimClient } from './client-session.js';
import type { SimDevice } from './device.js';
import { FrameWriter } from './frame-writer.js';

/**
 * Serves one TCP client: cuts its stream into packets and hands each to a SimClient. Bad input is logged
 * and skipped; the connection stays up (zk-tcp §15).
 */
export function serveConnection(socket: Socket, device: SimDevice, deviceLog: Logger): void {
  const clientLog = deviceLog.child({ remote: `${socket.remoteAddress}:${socket.remotePort}` });
  const framer = new TcpFramer(device.serial);
  let client: SimClient | undefined;
  const log = () => client?.logger ?? clientLog;
  const writer = new FrameWriter(socket, device.profile.paceMs, log, device.faults);
  client = new SimClient(device, clientLog, {
    encode: encodeTcpPacket,
    send: (frames) => writer.send(frames),
    end: () => writer.end(),
  });

  // Nagle would hold a small frame back and glue it to the next one; pacing needs each frame sent as written
  socket.setNoDelay(true);
  log().info('client connected');
  socket.on('data', (chunk) => {
    for (const r of framer.push(chunk)) {
      if ('error' in r) log().warn({ err: r.error }, 'bad input from client skipped');
      else client.receive(r.packet);
    }
  });
  socket.on('error', (err) => log().debug({ err }, 'client socket error'));
  socket.on('close', () => {
    client.dispose();
    const err = framer.finish();
    if (err) log().warn({ err }, 'client left inside a frame');
    log().info('client disconnected');
  });
}
