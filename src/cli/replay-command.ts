import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { readConversations, ZK_PORT } from '../../protocol/pcap/index.js';
import {
  carriesRequests,
  deviceScript,
  SessionDecoder,
  startReplayDevice,
  type ZkConversation,
  zkTimeline,
} from '../replay/index.js';
import { UsageError } from './exit-codes.js';

export interface ReplayCommandOptions {
  file: string;
  asDevice?: boolean;
  port: number;
  host: string;
  once?: boolean;
  /**
   * Keep only conversations with this terminal port; default: every TCP connection in the file, and the
   * UDP conversations on port 4370.
   */
  devicePort?: number;
}

/** The ZK sessions in a capture, TCP and UDP, in the order they started. */
export async function zkConversations(
  file: string,
  devicePort: number | undefined,
  logger: Logger,
): Promise<ZkConversation[]> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read capture ${file} (${err.code ?? err.message})`, { cause: err });
  });
  const { tcp, udp, unreadable } = readConversations(bytes, file, devicePort);
  for (const err of unreadable) logger.warn({ err }, 'unreadable UDP frame left out');
  return [...tcp.filter((c) => devicePort === undefined || c.server.port === devicePort), ...udp].sort(
    (a, b) => a.firstIndex - b.firstIndex,
  );
}

/** A session's first line: its transport, its two ends, and what each sent. */
function connectionLine(conv: ZkConversation): Record<string, unknown> {
  const ends = {
    kind: 'connection',
    transport: conv.transport,
    client: `${conv.client.address}:${conv.client.port}`,
    device: `${conv.server.address}:${conv.server.port}`,
  };
  if (conv.transport === 'udp') {
    const bytes = (ds: typeof conv.toServer) => ds.reduce((n, d) => n + d.payload.length, 0);
    return {
      ...ends,
      clientBytes: bytes(conv.toServer),
      deviceBytes: bytes(conv.toClient),
      clientDatagrams: conv.toServer.length,
      deviceDatagrams: conv.toClient.length,
    };
  }
  return {
    ...ends,
    clientBytes: conv.toServer.bytes.length,
    deviceBytes: conv.toClient.bytes.length,
    gaps: [...conv.toServer.gaps, ...conv.toClient.gaps].length,
    duplicateBytes: conv.toServer.duplicateBytes + conv.toClient.duplicateBytes,
    deviceEnd: conv.toClient.end.how,
    clientEnd: conv.toServer.end.how,
  };
}

/** Every line `x05-gateway replay FILE` prints for one session. */
export function* replayLines(conv: ZkConversation): Generator<Record<string, unknown>> {
  yield connectionLine(conv);
  const decoder = new SessionDecoder();
  for (const entry of zkTimeline(conv)) yield* decoder.decode(entry);
}

/** `x05-gateway replay FILE [--as-device --port P]`. */
export async function runReplayCommand(o: ReplayCommandOptions, logger: Logger): Promise<void> {
  const convs = await zkConversations(o.file, o.devicePort, logger);
  if (convs.length === 0)
    throw new UsageError(
      o.devicePort === undefined
        ? `no TCP or UDP conversation in ${o.file} (UDP counts on port ${ZK_PORT} only; see --device-port)`
        : `no TCP or UDP conversation with port ${o.devicePort} in ${o.file}`,
    );
  if (!o.asDevice) {
    for (const conv of convs) {
      for (const line of replayLines(conv)) {
        if (!process.stdout.write(`${JSON.stringify(line)}\n`)) await once(process.stdout, 'drain');
      }
    }
    return;
  }
  // the first session that carried a request is served (probe connections that only opened are skipped)
  const sessions = convs.filter(carriesRequests);
  if (sessions.length > 1)
    logger.warn({ sessions: sessions.length }, 'capture holds several sessions; serving the first');
  if (!sessions[0]) throw new UsageError(`no client request in ${o.file}`);
  const script = deviceScript(sessions[0]);
  const device = await startReplayDevice(script, { host: o.host, port: o.port, logger });
  const where = { host: device.host, port: device.port, transport: device.transport };
  logger.info({ ...where, requests: script.exchanges.length }, 'replaying capture as a terminal');
  // on stdout too, so a script that asked for port 0 can read the port
  process.stdout.write(`${JSON.stringify({ kind: 'listening', ...where })}\n`);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (o.once) device.onFirstClose = resolve;
  });
  await stop;
  await device.close();
}
