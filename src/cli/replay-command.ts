import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { readTcpConversations } from '../../protocol/pcap/index.js';
import type { TcpConversation } from '../../protocol/pcap/tcp-stream.js';
import type { Logger } from '../ops/log.js';
import { UsageError } from './exit-codes.js';
import { SessionDecoder } from './replay-decode.js';
import { deviceScript, startReplayDevice } from './replay-device.js';
import { zkTimeline } from './replay-timeline.js';

export interface ReplayCommandOptions {
  file: string;
  asDevice?: boolean;
  port: number;
  host: string;
  once?: boolean;
  /** Keep only connections to this terminal port; default: every TCP connection in the file. */
  devicePort?: number;
}

/** The ZK sessions in a capture: connections to the terminal port, or all of them. */
export async function zkConversations(file: string, devicePort?: number): Promise<TcpConversation[]> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read capture ${file} (${err.code ?? err.message})`);
  });
  return readTcpConversations(bytes, file).filter(
    (c) => devicePort === undefined || c.server.port === devicePort,
  );
}

/** Every line `x05-gateway replay FILE` prints for one connection. */
export function* replayLines(conv: TcpConversation): Generator<Record<string, unknown>> {
  yield {
    kind: 'connection',
    client: `${conv.client.address}:${conv.client.port}`,
    device: `${conv.server.address}:${conv.server.port}`,
    clientBytes: conv.toServer.bytes.length,
    deviceBytes: conv.toClient.bytes.length,
    gaps: [...conv.toServer.gaps, ...conv.toClient.gaps].length,
    duplicateBytes: conv.toServer.duplicateBytes + conv.toClient.duplicateBytes,
    deviceEnd: conv.toClient.end.how,
    clientEnd: conv.toServer.end.how,
  };
  const decoder = new SessionDecoder();
  for (const entry of zkTimeline(conv)) yield* decoder.decode(entry);
}

/** `x05-gateway replay FILE [--as-device --port P]`. */
export async function runReplayCommand(o: ReplayCommandOptions, logger: Logger): Promise<void> {
  const convs = await zkConversations(o.file, o.devicePort);
  if (convs.length === 0)
    throw new UsageError(`no TCP connection${o.devicePort ? ` to port ${o.devicePort}` : ''} in ${o.file}`);
  if (!o.asDevice) {
    for (const conv of convs) {
      for (const line of replayLines(conv)) {
        if (!process.stdout.write(`${JSON.stringify(line)}\n`)) await once(process.stdout, 'drain');
      }
    }
    return;
  }
  // the first session that carried a request is served (probe connections that only opened are skipped)
  const sessions = convs.filter((c) => c.toServer.bytes.length > 0);
  if (sessions.length > 1)
    logger.warn({ sessions: sessions.length }, 'capture holds several sessions; serving the first');
  if (!sessions[0]) throw new UsageError(`no client request in ${o.file}`);
  const script = deviceScript(sessions[0]);
  const device = await startReplayDevice(script, { host: o.host, port: o.port, logger });
  logger.info(
    { host: device.host, port: device.port, requests: script.exchanges.length },
    'replaying capture as a terminal',
  );
  // on stdout too, so a script that asked for port 0 can read the port
  process.stdout.write(`${JSON.stringify({ kind: 'listening', host: device.host, port: device.port })}\n`);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (o.once) device.onFirstClose = resolve;
  });
  await stop;
  await device.close();
}
