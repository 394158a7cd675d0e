import { DeviceTimeoutError, IncompleteChunkError } from './errors.js';
import type { ZkTcpConnection } from './tcp-connection.js';

/** One try and three more: pyzk retries a chunk up to 3 times (zk-tcp §9.3). */
export const DATAGRAM_ATTEMPTS = 4;

/** What a lost UDP datagram looks like to a request: no answer in time, or a chunk with a hole in it. */
function lostDatagram(err: unknown): boolean {
  return err instanceof DeviceTimeoutError || err instanceof IncompleteChunkError;
}

/**
 * Runs one request exchange; over UDP, a lost datagram (§14: no retransmission) sends it again, up to
 * DATAGRAM_ATTEMPTS in all, each with a fresh reply id so late datagrams of an earlier try are ignored.
 * `attempt` must start from scratch each time (a chunk is rewritten from its first byte). Over TCP one try:
 * a timeout there means a stuck stream and the connection is already gone. Every other error is final.
 */
export async function retryLostDatagrams<T>(conn: ZkTcpConnection, attempt: () => Promise<T>): Promise<T> {
  const attempts = conn.lossy ? DATAGRAM_ATTEMPTS : 1;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= attempts || !lostDatagram(err)) throw err;
      conn.resent++;
    }
  }
}
