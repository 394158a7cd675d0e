import { closeSync, openSync, writeSync } from 'node:fs';
import { ByteWriter } from '../bytes/byte-writer.js';
import { IpProtocol } from './ip-packet.js';
import { ipv4Bytes, ipv4Frame } from './ipv4-frame.js';
import { LinkType } from './pcap-file.js';
import { TcpFlag } from './tcp-segment.js';
import { encodeUdp } from './udp-datagram.js';

/** Classic pcap, microsecond timestamps, little-endian: what tcpdump writes and every reader opens. */
export function pcapFileHeader(linkType: number = LinkType.ETHERNET, snaplen = 262144): Buffer {
  return new ByteWriter(24, 'pcap file header')
    .u32(0, 0xa1b2c3d4, 'magic')
    .u16(4, 2, 'major version')
    .u16(6, 4, 'minor version')
    .u32(16, snaplen, 'snaplen')
    .u32(20, linkType, 'link type').bytes;
}

export function pcapRecord(frame: Buffer, tsUs: number): Buffer {
  return new ByteWriter(16 + frame.length, 'pcap record')
    .u32(0, Math.floor(tsUs / 1e6), 'seconds')
    .u32(4, Math.floor(tsUs % 1e6), 'microseconds')
    .u32(8, frame.length, 'captured length')
    .u32(12, frame.length, 'original length')
    .copy(16, frame).bytes;
}

export interface Endpoint {
  /** Dotted IPv4 address. */
  address: string;
  port: number;
}

/** Largest TCP payload in one IPv4 datagram (65535 − 20 IP − 20 TCP); bigger writes become several segments. */
export const MAX_SEGMENT = 65495;

type Side = 'client' | 'server';

const wallClockUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** What the TCP and UDP recorders share: the two ends, the IPv4 id counter, the clock and the pcap records. */
abstract class SessionFrames {
  private ipId = 1;

  constructor(
    private readonly write: (record: Buffer) => void,
    protected readonly client: Endpoint,
    protected readonly server: Endpoint,
    private readonly now: () => number = wallClockUs,
  ) {}

  /** The sender's and the receiver's end. */
  protected ends(from: Side): [Endpoint, Endpoint] {
    return from === 'client' ? [this.client, this.server] : [this.server, this.client];
  }

  protected frame(from: Side, protocol: number, segment: Buffer): void {
    const [src, dst] = this.ends(from);
    const frame = ipv4Frame({ from, src: src.address, dst: dst.address, protocol, id: this.ipId++, segment });
    this.write(pcapRecord(frame, this.now()));
  }
}

/**
 * Turns one TCP session's payload, as seen by one side, into Ethernet/IPv4/TCP frames with correct
 * lengths, checksums and sequence/acknowledgement numbers: handshake, data in the order it crossed the
 * socket, and FIN or RST at the end. `write` receives each pcap record.
 */
export class TcpSessionRecorder extends SessionFrames {
  private seq = { client: 0, server: 0 };
  private opened = false;
  private ended = false;

  constructor(
    write: (record: Buffer) => void,
    client: Endpoint,
    server: Endpoint,
    now: () => number = wallClockUs,
    isn = { client: 0x10000000, server: 0x20000000 },
  ) {
    super(write, client, server, now);
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

  data(from: Side, bytes: Buffer): void {
    if (this.ended) return;
    this.open();
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + MAX_SEGMENT));
      this.segment(from, TcpFlag.PSH | TcpFlag.ACK, part);
      this.seq[from] = (this.seq[from] + part.length) >>> 0;
    }
  }

  /** Orderly close started by `from` (FIN, FIN, ACK), or an abort (RST) as a dropped connection shows. */
  end(from: Side, how: 'fin' | 'rst' = 'fin'): void {
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

  private segment(from: Side, flags: number, payload: Buffer, withAck = true): void {
    const [src, dst] = this.ends(from);
    const ack = withAck ? this.seq[from === 'client' ? 'server' : 'client'] : 0;
    const tcp = new ByteWriter(20 + payload.length, 'TCP segment', 'be')
      .u16(0, src.port, 'source port')
      .u16(2, dst.port, 'destination port')
      .u32(4, this.seq[from], 'sequence number')
      .u32(8, ack, 'acknowledgement number')
      .u8(12, 5 << 4, 'data offset')
      .u8(13, flags, 'flags')
      .u16(14, 65535, 'window')
      .copy(20, payload);
    this.frame(from, IpProtocol.TCP, tcp.bytes);
  }
}

/**
 * Turns one UDP session, as seen by one side, into Ethernet/IPv4/UDP frames: one frame per datagram, as
 * the ZK UDP variant sends one packet per datagram (zk-tcp §14). Nothing opens or closes a UDP session.
 */
export class UdpSessionRecorder extends SessionFrames {
  /** One datagram. */
  data(from: Side, payload: Buffer): void {
    const [src, dst] = this.ends(from);
    this.frame(from, IpProtocol.UDP, encodeUdp(src.port, dst.port, payload));
  }
}

/**
 * Records one client session into a pcap file as it happens. Writes are synchronous so the file is valid
 * up to the last packet even when the process dies mid-session (the broken-session captures need that).
 * `direction` follows ZkTcpConnection's onBytes: 'out' is client → device, 'in' device → client; over UDP
 * each call is one datagram (wire.ts reports every datagram sent and received).
 */
export class SessionCaptureFile {
  private readonly fd: number;
  private readonly recorder: TcpSessionRecorder | UdpSessionRecorder;
  private closed = false;

  constructor(path: string, client: Endpoint, server: Endpoint, transport: 'tcp' | 'udp' = 'tcp') {
    // checked before the file exists, so a bad address leaves no open descriptor behind
    ipv4Bytes(client.address);
    ipv4Bytes(server.address);
    this.fd = openSync(path, 'w');
    writeSync(this.fd, pcapFileHeader());
    const write = (r: Buffer) => writeSync(this.fd, r);
    if (transport === 'udp') this.recorder = new UdpSessionRecorder(write, client, server);
    else {
      const tcp = new TcpSessionRecorder(write, client, server);
      // the handshake goes in first, so even a session that never sent a byte shows its connection
      tcp.open();
      this.recorder = tcp;
    }
  }

  readonly onBytes = (direction: 'in' | 'out', bytes: Buffer): void => {
    if (!this.closed) this.recorder.data(direction === 'out' ? 'client' : 'server', bytes);
  };

  /**
   * Ends the recorded connection (FIN by the client after a clean session, RST after a failure). A UDP
   * session has no end on the wire: only the file is closed.
   */
  close(how: 'fin' | 'rst' = 'fin', from: Side = 'client'): void {
    if (this.closed) return;
    if (this.recorder instanceof TcpSessionRecorder) this.recorder.end(from, how);
    this.closed = true;
    closeSync(this.fd);
  }
}
