import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes exactly as given (a terminal's HTTP/1.0 request) and reads the reply until the server closes.
 * `from`: a local address such as 127.0.0.2, for a second host on the loopback network.
 */
export function rawRequest(port: number, request: string | Buffer, from?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) });
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const h of head.slice(1)) {
        const i = h.indexOf(':');
        headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
      }
      resolve({ status: Number(head[0]?.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    s.write(request);
  });
}

/** A request as the old ZK client writes it (adms-push §2.1, §10): HTTP/1.0, no Content-Type. */
export function terminalRequest(method: 'GET' | 'POST', path: string, body?: string): string {
  const head = [
    `${method} ${path} HTTP/1.0`,
    'Host: 192.168.1.20:8081',
    'User-Agent: iClock Proxy/1.09',
    'Connection: close',
    ...(body === undefined ? [] : [`Content-Length: ${Buffer.byteLength(body, 'latin1')}`]),
    'Accept: */*',
  ];
  return `${head.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
