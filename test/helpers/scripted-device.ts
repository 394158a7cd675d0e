import { createServer, type Server, type Socket } from 'node:net';
import { Command } from '../../protocol/zk/commands.js';
import { encodeTcpPacket, type ZkPacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';

export type Script = (
  packet: ZkPacket,
  socket: Socket,
  answer: (cmd: number, data?: Uint8Array) => Buffer,
) => void;

/**
 * A terminal that misbehaves on purpose: each client packet goes to `script`, which writes whatever bytes
 * the test needs (garbage, bad checksums, a close in the middle of a frame). CONNECT is answered normally
 * unless the script handles it.
 */
export async function scriptedDevice(
  t: { teardown(fn: () => unknown): void },
  script: Script,
): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const framer = new TcpFramer('client');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const r of framer.push(chunk)) {
        if ('error' in r) continue;
        const p = r.packet;
        const answer = (cmd: number, data?: Uint8Array) => encodeTcpPacket(cmd, 0x1234, p.replyId, data);
        script(p, socket, answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** The normal CONNECT answer, for scripts that only break later steps. */
export function acceptConnect(
  p: ZkPacket,
  socket: Socket,
  answer: (cmd: number, data?: Uint8Array) => Buffer,
): boolean {
  if (p.command !== Command.CONNECT) return false;
  socket.write(answer(Command.ACK_OK));
  return true;
}
