import { closeSync, openSync, writeSync } from 'node:fs';
import { LinkType } from './pcap-file.js';
import { TcpFlag } from './tcp-segment.js';

/** Classic pcap, microsecond timestamps, little-endian: what tcpdump writes and every reader opens. */
export function pcapFileHeader(linkType: number = LinkType.ETHERNET, snaplen = 262144): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

export function pcapRecord(frame: Buffer, tsUs: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Math.floor(tsUs / 1e6), 0);
  h.writeUInt32LE(Math.floor(tsUs % 1e6), 4);
  h.writeUInt32LE(frame.length, 8);
  h.writeUInt32LE(frame.length, 12);
  return Buffer.concat([h, frame]);
}

export interface Endpoint {
  /** Dotted IPv4 address. */
  address: string;
  port: number;
}

/** Largest TCP payload in one IPv4 datagram (65535 − 20 IP − 20 TCP); bigger writes become several segments. */
export const MAX_SEGMENT = 65495;

const clientMac = Buffer.from([0x02, 0, 0, 0, 0, 0x02]);
const serverMac = Buffer.from([0x02, 0, 0, 0, 0, 0x01]);

/**
 * Turns one TCP session's payload, as seen by one side, into Ethernet/IPv4/TCP frames with correct
 * lengths, checksums and sequence/acknowledgement numbers: handshake, data in the order it crossed the
 * socket, and FIN or RST at the end. `write` receives each pcap record.
 */
export class TcpSessionRecorder {
  private seq = { client: 0, server: 0 };
  private ipId = 1;
  private opened = false;
  private ended = false;

  constructor(
    private readonly write: (record: Buffer) => void,
    private readonly client: Endpoint,
    private readonly server: Endpoint,
    private readonly now: () => number = () =>
      Math.round((performance.timeOrigin + performance.now()) * 1000),
    isn = { client: 0x10000000, server: 0x20000000 },
  ) {
    this.seq = { ...isn };
  }

  /** SYN, SYN-ACK, ACK. Called by the first data() if not called before. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.segment('client', TcpFlag.SYN, Buffer.alloc(0), false);
    this.seq.client++;
    this.segment('server', TcpFlag.SYN | TcpFlag.ACK, Buffer.alloc(0));
    this.seq.server++;
    this.segment('client', TcpFlag.ACK, Buffer.alloc(0));
  }

  data(from: 'client' | 'server', bytes: Buffer): void {
    if (this.ended) return;
    this.open();
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + MAX_SEGMENT));
      this.segment(from, TcpFlag.PSH | TcpFlag.ACK, part);
      this.seq[from] = (this.seq[from] + part.length) >>> 0;
    }
  }

  /** Orderly close started by `from` (FIN, FIN, ACK), or an abort (RST) as a dropped connection shows. */
  end(from: 'client' | 'server', how: 'fin' | 'rst' = 'fin'): void {
    if (this.ended) return;
    this.open();
    this.ended = true;
    if (how === 'rst') {
      this.segment(from, TcpFlag.RST | TcpFlag.ACK, Buffer.alloc(0));
      return;
    }
    const other = from === 'client' ? 'server' : 'client';
    this.segment(from, TcpFlag.FIN | TcpFlag.ACK, Buffer.alloc(0));
    this.seq[from] = (this.seq[from] + 1) >>> 0;
    this.segment(other, TcpFlag.FIN | TcpFlag.ACK, Buffer.alloc(0));
    this.seq[other] = (this.seq[other] + 1) >>> 0;
    this.segment(from, TcpFlag.ACK, Buffer.alloc(0));
  }

  private segment(from: 'client' | 'server', flags: number, payload: Buffer, withAck = true): void {
    const [src, dst] = from === 'client' ? [this.client, this.server] : [this.server, this.client];
    const ack = withAck ? this.seq[from === 'client' ? 'server' : 'client'] : 0;
    const tcp = Buffer.alloc(20 + payload.length);
    tcp.writeUInt16BE(src.port, 0);
    tcp.writeUInt16BE(dst.port, 2);
    tcp.writeUInt32BE(this.seq[from], 4);
    tcp.writeUInt32BE(ack, 8);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    tcp.writeUInt16BE(65535, 14);
    payload.copy(tcp, 20);
    const s = ipv4Bytes(src.address);
    const d = ipv4Bytes(dst.address);
    // TCP checksum covers a pseudo header: source, destination, zero, protocol 6, TCP length (RFC 793 §3.1)
    const pseudo = Buffer.alloc(12);
    s.copy(pseudo, 0);
    d.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcp.length, 10);
    tcp.writeUInt16BE(internetChecksum([pseudo, tcp]), 16);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcp.length, 2);
    ip.writeUInt16BE(this.ipId++ & 0xffff, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    s.copy(ip, 12);
    d.copy(ip, 16);
    ip.writeUInt16BE(internetChecksum([ip]), 10);
    const eth = Buffer.alloc(14);
    (from === 'client' ? serverMac : clientMac).copy(eth, 0);
    (from === 'client' ? clientMac : serverMac).copy(eth, 6);
    eth.writeUInt16BE(0x0800, 12);
    this.write(pcapRecord(Buffer.concat([eth, ip, tcp]), this.now()));
  }
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new RangeError(`not a dotted IPv4 address: ${address}`);
  return Buffer.from(parts);
}

/** RFC 1071 over the concatenation of `parts` (each part even-length except possibly the last). */
function internetChecksum(parts: Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    let i = 0;
    if (odd !== undefined && p.length > 0) {
      sum += (odd << 8) | p[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < p.length; i += 2) sum += (p[i]! << 8) | p[i + 1]!;
    if (i < p.length) odd = p[i]!;
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Records one client session into a pcap file as it happens. Writes are synchronous so the file is valid
 * up to the last packet even when the process dies mid-session (the broken-session captures need that).
 * `direction` follows ZkTcpConnection's onBytes: 'out' is client → device, 'in' device → client.
 */
export class SessionCaptureFile {
  private readonly fd: number;
  private readonly recorder: TcpSessionRecorder;
  private closed = false;

  constructor(path: string, client: Endpoint, server: Endpoint) {
    // checked before the file exists, so a bad address leaves no open descriptor behind
    ipv4Bytes(client.address);
    ipv4Bytes(server.address);
    this.fd = openSync(path, 'w');
    writeSync(this.fd, pcapFileHeader());
    this.recorder = new TcpSessionRecorder((r) => writeSync(this.fd, r), client, server);
    this.recorder.open();
  }

  readonly onBytes = (direction: 'in' | 'out', bytes: Buffer): void => {
    if (!this.closed) this.recorder.data(direction === 'out' ? 'client' : 'server', bytes);
  };

  /** Ends the recorded connection (FIN by the client after a clean session, RST after a failure). */
  close(how: 'fin' | 'rst' = 'fin', from: 'client' | 'server' = 'client'): void {
    if (this.closed) return;
    this.recorder.end(from, how);
    this.closed = true;
    closeSync(this.fd);
  }
}
