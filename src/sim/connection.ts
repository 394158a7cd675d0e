import type { Socket } from 'node:net';
import { Command, commandLabel } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import type { Logger } from '../ops/log.js';
import { type Answer, type ConnectionState, commandTable, reply } from './commands/index.js';
import type { SimDevice } from './device.js';
import { FrameWriter } from './frame-writer.js';

/**
 * Serves one TCP client: cuts its stream into packets, answers each through the command table, echoing the
 * request's reply id (zk-tcp.md §4). Bad input is logged and skipped; the connection stays up (§15).
 */
export function serveConnection(socket: Socket, device: SimDevice, deviceLog: Logger): void {
  const state: ConnectionState = { session: 0, prepared: undefined, eventMask: 0 };
  const clientLog = deviceLog.child({ remote: `${socket.remoteAddress}:${socket.remotePort}` });
  let log = clientLog.child({ session: 0 });
  const framer = new TcpFramer(device.serial);
  const writer = new FrameWriter(socket, device.profile.paceMs, () => log);

  const answer = (req: ZkPacket): Answer => {
    const handler = commandTable[req.command];
    if (!handler) return reply(Command.ACK_UNKNOWN);
    try {
      return handler(req, { device, conn: state, log });
    } catch (err) {
      log.warn({ err, command: commandLabel(req.command), replyId: req.replyId }, 'malformed request data');
      return reply(Command.ACK_ERROR_DATA);
    }
  };

  const dispatch = (req: ZkPacket) => {
    log.debug(
      { command: commandLabel(req.command), replyId: req.replyId, bytes: req.data.length },
      'request',
    );
    const session = state.session;
    const { frames, close } = answer(req);
    if (state.session !== session) log = clientLog.child({ session: state.session });
    writer.send(
      frames.map((f) => encodeTcpPacket(f.command, f.session ?? state.session, req.replyId, f.data)),
    );
    if (close) writer.end();
  };

  // Nagle would hold a small frame back and glue it to the next one; pacing needs each frame sent as written
  socket.setNoDelay(true);
  log.info('client connected');
  socket.on('data', (chunk) => {
    for (const r of framer.push(chunk)) {
      if ('error' in r) log.warn({ err: r.error }, 'bad input from client skipped');
      else dispatch(r.packet);
    }
  });
  socket.on('error', (err) => log.debug({ err }, 'client socket error'));
  socket.on('close', () => {
    const err = framer.finish();
    if (err) log.warn({ err }, 'client left inside a frame');
    log.info('client disconnected');
  });
}
