import { Agent, request } from 'node:http';
import { PushAnswerTimeoutError } from './sim-error.js';

export interface PushHttpReply {
  status: number;
  contentType: string;
  body: string;
}

/**
 * The terminal's HTTP side (adms-push §2.1): `iClock Proxy/1.09`, an Accept of any type, `Content-Length` on
 * POST and no Content-Type. Old firmware closes after each request; `keepAlive` reuses connections (bench).
 */
export class PushHttp {
  private readonly agent: Agent;

  constructor(
    private readonly base: URL,
    private readonly keepAlive: boolean,
    private readonly timeoutMs = 10_000,
  ) {
    this.agent = new Agent({ keepAlive, maxSockets: 1 });
  }

  send(method: 'GET' | 'POST', path: string, body?: string): Promise<PushHttpReply> {
    const payload = body === undefined ? undefined : Buffer.from(body, 'latin1');
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            'User-Agent': 'iClock Proxy/1.09',
            Accept: '*/*',
            Connection: this.keepAlive ? 'keep-alive' : 'close',
            ...(payload ? { 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              body: Buffer.concat(chunks).toString('latin1'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new PushAnswerTimeoutError(String(new URL(path, this.base)), this.timeoutMs)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
