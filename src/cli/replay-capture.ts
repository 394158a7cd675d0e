import { isIPv4 } from 'node:net';
import { GatewayError } from '../../protocol/errors.js';
import { SessionCaptureFile } from '../../protocol/pcap/pcap-writer.js';

/**
 * Records the session of one `pull` (or a gateway device session) to a pcap file, over the transport it
 * talks. The headers are synthesised from what the client knows: the terminal's address when it is an IPv4
 * literal (else the documentation address 192.0.2.1) and a fixed client address and port, since onBytes
 * sees only payload.
 */
export function openSessionCapture(
  file: string,
  host: string,
  port: number,
  transport: 'tcp' | 'udp' = 'tcp',
): SessionCaptureFile {
  const device = isIPv4(host) ? host : '192.0.2.1';
  const client = device.startsWith('127.') ? '127.0.0.1' : '192.0.2.2';
  return new SessionCaptureFile(file, { address: client, port: 49152 }, { address: device, port }, transport);
}

/** Ends the recorded connection the way it ended: the terminal closed it, or we did (cleanly or not). */
export function closeSessionCapture(capture: SessionCaptureFile, err?: unknown): void {
  if (err === undefined) capture.close('fin', 'client');
  else if (err instanceof GatewayError && err.code === 'X05_CLOSED') capture.close('fin', 'server');
  else capture.close('rst', 'client');
}
