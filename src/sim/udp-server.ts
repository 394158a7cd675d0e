import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { encodePacket } from '../../protocol/zk/packet.js';
import { UDP_MAX_DATA, UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { SimClient } from './client-session.js';
import type { SimDevice } from './device.js';

/**
 * The terminal's UDP side (zk-tcp §14): same port, same commands, no envelope, one packet per datagram,
 * DATA split at 1024 bytes. Answers go to the request's source address and port; each source is one client.
 */
export async function serveUdp(device: SimDevice, host: string, port: number, log: Logger): Promise<Socket> {
  const socket = createSocket('udp4');
  const clients = new Map<string, { client: SimClient; framer: UdpDeframer }>();
  let sent = 0;
  // the dropEveryNthDatagram fault: the datagram is sent and never arrives (§14: no retransmission)
  const lost = (): boolean => {
    sent++;
    const n = device.faults.dropEveryNthDatagram;
    if (!n || sent % n !== 0) return false;
    device.droppedDatagrams++;
    return true;
  };
  socket.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let entry = clients.get(key);
    if (!entry) {
      const client = new SimClient(device, log.child({ remote: key, transport: 'udp' }), {
        encode: encodePacket,
        maxData: UDP_MAX_DATA,
        send: (frames) => {
          for (const f of frames) if (!lost()) socket.send(f, from.port, from.address);
        },
        end: () => {
          clients.get(key)?.client.dispose();
          clients.delete(key);
        },
      });
      entry = { client, framer: new UdpDeframer(device.serial) };
      clients.set(key, entry);
    }
    for (const r of entry.framer.push(msg)) {
      if ('error' in r) entry.client.logger.warn({ err: r.error }, 'bad datagram from client skipped');
      else entry.client.receive(r.packet);
    }
  });
  socket.on('close', () => {
    for (const { client } of clients.values()) client.dispose();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => log.error({ err }, 'simulator UDP socket failed'));
  return socket;
}
