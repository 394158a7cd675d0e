import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One HTTP exchange as the Frappe client sees it. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Covers the whole exchange, body included; the client tells a timeout from other failures by it. */
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header name → value. */
  header(name: string): string | undefined;
  text: string;
}

/** Sends one request; rejects with the socket's or TLS layer's error when no answer came back. */
export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

export interface HttpTransportOptions {
  /** PEM of the CA(s) that signed the site's certificate; replaces the system CAs for this site only. */
  ca?: string | Buffer | undefined;
}

/**
 * node:http(s) with keep-alive. It is node:https rather than fetch because fetch takes a private CA only
 * through undici's dispatcher (a dependency) or NODE_EXTRA_CA_CERTS (process-wide, so every other TLS
 * peer would trust it too); an https.Agent scopes `frappe.ca_file` to the Frappe site alone.
 */
export function httpTransport(opts: HttpTransportOptions = {}): HttpTransport {
  // idle sockets are dropped after 5 s, as Node's global agent does: a site's proxy may close them first
  const keepAlive = { keepAlive: true, timeout: 5000 };
  const http = new HttpAgent(keepAlive);
  const https = new HttpsAgent({ ...keepAlive, ...(opts.ca ? { ca: opts.ca } : {}) });
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const headers = {
        ...req.headers,
        ...(req.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(req.body)) }),
      };
      const r = send(
        url,
        { method: req.method, headers, agent: secure ? https : http, signal: req.signal },
        (res) => {
          readText(res).then(
            (text) =>
              resolve({
                status: res.statusCode ?? 0,
                header: (name) => {
                  const v = res.headers[name];
                  return Array.isArray(v) ? v.join(', ') : v;
                },
                text,
              }),
            reject,
          );
        },
      );
      r.on('error', reject);
      r.end(req.body);
    });
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
