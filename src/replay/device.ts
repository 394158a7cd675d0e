import type { Logger } from 'pino';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { isEventAck } from './cursor.js';
import { listenTcp, listenUdp } from './servers.js';
import { sideFrames, type ZkConversation } from './timeline.js';

/** One recorded request and what the device sent after it until the next request. */
export interface RecordedExchange {
  request: ZkPacket;
  /** TCP: the device's bytes in one buffer (frames span segments); UDP: its datagrams, one buffer each. */
  answer: Buffer[];
}

export interface DeviceScript {
  transport: 'tcp' | 'udp';
  /** What the device sent before the client's first request (nothing, on a ZK device). */
  greeting: Buffer[];
  exchanges: RecordedExchange[];
  /** The recorded device closed the connection (FIN or RST) before the client did: the session broke. */
  deviceClosed: boolean;
}

/**
 * Splits a recorded session into request → answer. A device byte or datagram belongs to the last client
 * request readable before it (capture order, after reassembly on TCP), which holds for a device that
 * answers one request at a time, as ZK terminals do.
 */
export function deviceScript(conv: ZkConversation): DeviceScript {
  const requests = sideFrames(conv, 'client').filter((e) => e.packet && !isEventAck(e.packet));
  const sent =
    conv.transport === 'udp'
      ? conv.toClient.map((d) => ({ bytes: d.payload, at: d.index }))
      : conv.toClient.pieces.map((p) => ({
          bytes: conv.toClient.bytes.subarray(p.offset, p.offset + p.length),
          at: p.readableAt,
        }));
  const slices: Buffer[][] = requests.map(() => []);
  const greeting: Buffer[] = [];
  let r = -1;
  for (const s of sent) {
    while (r + 1 < requests.length && requests[r + 1]!.at < s.at) r++;
    (r < 0 ? greeting : slices[r]!).push(s.bytes);
  }
  const join = (parts: Buffer[]) =>
    conv.transport === 'udp' || parts.length === 0 ? parts : [Buffer.concat(parts)];
  return {
    transport: conv.transport,
    greeting: join(greeting),
    exchanges: requests.map((e, i) => ({ request: e.packet!, answer: join(slices[i]!) })),
    // a datagram terminal has no way to close: a recorded UDP session never broke on its side
    deviceClosed:
      conv.transport === 'tcp' &&
      conv.toClient.end.how !== 'open' &&
      (conv.toServer.end.how === 'open' || conv.toClient.end.index < conv.toServer.end.index),
  };
}

export interface ReplayDevice {
  /** As recorded: a UDP session is served over UDP, a TCP one over TCP. */
  transport: 'tcp' | 'udp';
  host: string;
  port: number;
  /** Called once, when the first served client has gone. */
  onFirstClose?: () => void;
  close(): Promise<void>;
}

/** Serves a recorded device to live clients over the transport it was recorded on (ScriptCursor says what). */
export async function startReplayDevice(
  script: DeviceScript,
  opts: { host?: string; port?: number; logger?: Logger } = {},
): Promise<ReplayDevice> {
  let device: ReplayDevice | undefined;
  let ended = false;
  const listen = script.transport === 'udp' ? listenUdp : listenTcp;
  const listener = await listen(script, {
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    logger: opts.logger,
    sessionEnded: () => {
      if (ended) return;
      ended = true;
      device?.onFirstClose?.();
    },
  });
  device = { transport: script.transport, ...listener };
  return device;
}
