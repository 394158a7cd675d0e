/**
 * UDP in captures: what our writer records as a UDP session reads back datagram for datagram, with IPv4
 * and UDP checksums an independent RFC 1071 sum accepts; the same frames re-wrapped by hand in every link
 * layer and IP version the TCP path reads give the same datagrams; only conversations with the terminal
 * port are kept; unreadable UDP headers are typed errors naming the file offset, and a datagram cut by the
 * snap length is kept as far as it goes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  type CapturedPacket,
  CaptureError,
  readCapture,
  readConversations,
  SessionCaptureFile,
  type UdpDatagram,
  udpConversations,
  udpDatagram,
  ZK_PORT,
} from '../../protocol/pcap/index.js';
import { tempDir } from '../helpers/temp-dir.js';

function onesSum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const client = { address: '10.1.2.3', port: 50000 };
const device = { address: '10.1.2.201', port: ZK_PORT };
// odd and even lengths, an empty datagram, and one of the largest a ZK terminal sends (1024 data + 8)
const sent: Array<['out' | 'in', Buffer]> = [
  ['out', Buffer.from('e803d4a300000000', 'hex')],
  ['in', Buffer.from('d007', 'hex')],
  ['out', Buffer.alloc(0)],
  ['in', Buffer.alloc(1032, 0xa5)],
  ['in', Buffer.from('odd')],
];

function recorded(t: { teardown(fn: () => void): void }): Buffer {
  const file = join(tempDir(t), 'u.pcap');
  const cap = new SessionCaptureFile(file, client, device, 'udp');
  for (const [dir, b] of sent) cap.onBytes(dir, b);
  cap.close('rst', 'server');
  return readFileSync(file);
}

const hex = (ds: UdpDatagram[]) => ds.map((d) => d.payload.toString('hex'));
const expectedTo = (dir: 'out' | 'in') => sent.filter(([d]) => d === dir).map(([, b]) => b.toString('hex'));

t.test('a recorded UDP session: one frame per datagram, valid checksums, the datagrams back', async (t) => {
  const bytes = recorded(t);
  const packets = readCapture(bytes);
  t.equal(packets.length, sent.length, 'one frame per datagram, nothing for the close');
  for (const p of packets) {
    const ip = p.data.subarray(14);
    t.equal(ip[9], 17, 'UDP');
    t.equal(onesSum(ip.subarray(0, 20)), 0xffff, `frame ${p.index}: IPv4 header checksum`);
    const udp = ip.subarray(20, ip.readUInt16BE(2));
    t.equal(udp.readUInt16BE(4), udp.length, 'UDP length field');
    const pseudo = Buffer.concat([
      ip.subarray(12, 20),
      Buffer.from([0, 17, udp.length >> 8, udp.length & 0xff]),
    ]);
    t.equal(onesSum(Buffer.concat([pseudo, udp])), 0xffff, `frame ${p.index}: UDP checksum`);
  }
  const { tcp, udp, unreadable } = readConversations(bytes, 'u.pcap');
  t.same([tcp, unreadable], [[], []]);
  t.equal(udp.length, 1);
  t.match(udp[0], { transport: 'udp', client, server: device, firstIndex: 0 });
  t.same(hex(udp[0]!.toServer), expectedTo('out'));
  t.same(hex(udp[0]!.toClient), expectedTo('in'));
  t.same(
    udp[0]!.toClient.map((d) => d.size),
    sent.filter(([d]) => d === 'in').map(([, b]) => b.length),
  );
});

/** IPv4 header → IPv6 header (+ an 8-byte destination-options header) around the same UDP datagram. */
function toIpv6(ip4: Buffer): Buffer {
  const udp = ip4.subarray(20, ip4.readUInt16BE(2));
  const h = Buffer.alloc(48);
  h[0] = 0x60;
  h.writeUInt16BE(8 + udp.length, 4);
  h[6] = 60;
  h[7] = 64;
  h.writeUInt16BE(0xffff, 18);
  ip4.copy(h, 20, 12, 16);
  h.writeUInt16BE(0xffff, 34);
  ip4.copy(h, 36, 16, 20);
  h[40] = 17;
  return Buffer.concat([h, udp]);
}

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);

t.test('every link layer and IP version gives the same datagrams', async (t) => {
  const original = readCapture(recorded(t));
  const rewrap = (linkType: number, wrap: (ip4: Buffer) => Buffer): CapturedPacket[] =>
    original.map((p) => ({ ...p, linkType, data: wrap(p.data.subarray(14)) }));
  const cases: Record<string, CapturedPacket[]> = {
    'Linux cooked v1 (113)': rewrap(113, (ip) => Buffer.concat([Buffer.alloc(14), u16(0x0800), ip])),
    'Linux cooked v2 (276)': rewrap(276, (ip) => Buffer.concat([u16(0x0800), Buffer.alloc(18), ip])),
    'raw IPv4 (101)': rewrap(101, (ip) => ip),
    'Ethernet with an 802.1Q tag': rewrap(1, (ip) =>
      Buffer.concat([Buffer.alloc(12, 2), u16(0x8100), u16(7), u16(0x0800), ip]),
    ),
    'raw IPv6 with a destination-options header (101)': rewrap(101, toIpv6),
    'Ethernet IPv6': rewrap(1, (ip) => Buffer.concat([Buffer.alloc(12, 2), u16(0x86dd), toIpv6(ip)])),
    'BSD loopback (0)': rewrap(0, (ip) => Buffer.concat([Buffer.from([2, 0, 0, 0]), ip])),
  };
  for (const [name, packets] of Object.entries(cases)) {
    const ds = packets.map((p) => udpDatagram(p));
    t.ok(
      ds.every((d) => d !== undefined),
      `${name}: every frame yields its datagram`,
    );
    const [conv, ...more] = udpConversations(ds as UdpDatagram[]);
    t.equal(more.length, 0, name);
    t.same(hex(conv!.toServer), expectedTo('out'), `${name}: client datagrams`);
    t.same(hex(conv!.toClient), expectedTo('in'), `${name}: device datagrams`);
  }
});

t.test('only conversations with the terminal port are ZK; its end is the server', async (t) => {
  const dgram = (index: number, srcPort: number, dstPort: number): UdpDatagram => ({
    index,
    tsUs: 0,
    src: srcPort === ZK_PORT ? '10.0.0.9' : '10.0.0.1',
    dst: dstPort === ZK_PORT ? '10.0.0.9' : '10.0.0.1',
    srcPort,
    dstPort,
    payload: Buffer.alloc(8),
    size: 8,
  });
  // DNS, then a capture that starts with the terminal's answer, then another port's session
  const list = [
    dgram(0, 40000, 53),
    dgram(1, ZK_PORT, 40001),
    dgram(2, 40001, ZK_PORT),
    dgram(3, 40002, 5000),
  ];
  const convs = udpConversations(list);
  t.equal(convs.length, 1, 'DNS and port 5000 are left out');
  t.match(convs[0], { client: { port: 40001 }, server: { port: ZK_PORT }, firstIndex: 1 });
  t.equal(convs[0]!.toClient.length, 1);
  t.equal(convs[0]!.toServer.length, 1);
  t.match(
    udpConversations(list, 5000),
    [{ server: { port: 5000 }, client: { port: 40002 } }],
    'another port',
  );
});

t.test(
  'unreadable UDP headers are typed errors naming the offset; a snap-cut datagram is kept',
  async (t) => {
    const bytes = recorded(t);
    const [p] = readCapture(bytes);
    const udpAt = 14 + 20;
    const withLength = (length: number) => {
      const data = Buffer.from(p!.data);
      data.writeUInt16BE(length, udpAt + 4);
      return { ...p!, data };
    };
    t.throws(() => udpDatagram(withLength(7), 'g.pcap'), {
      name: 'CaptureError',
      code: 'X05_FRAME',
      kind: 'format',
      file: 'g.pcap',
      offset: 24,
      message: /at byte 24: frame 0: UDP length field 7 is shorter than the header/,
    });
    t.throws(() => udpDatagram(withLength(500), 'g.pcap'), {
      kind: 'format',
      message: /length field 500 but the IP packet holds 16 bytes/,
    });
    // the snap length cut the frame: the length field is honest, the bytes are missing
    const cut = { ...withLength(500), origLen: p!.data.length + 484 };
    t.match(udpDatagram(cut), { payload: p!.data.subarray(udpAt + 8), size: 492 });
    const header = { ...p!, data: p!.data.subarray(0, udpAt + 5), origLen: udpAt + 5 };
    t.throws(() => udpDatagram({ ...header, origLen: p!.data.length }), {
      code: 'X05_FRAME',
      kind: 'truncated',
      offset: 24,
    });
    t.throws(() => udpDatagram(header), { kind: 'format', message: /header cut short \(5 of 8 bytes\)/ });

    // in a whole file, a bad frame is set aside with its error and the rest still reads
    const garbled = Buffer.from(bytes);
    garbled.writeUInt16BE(3, 24 + 16 + udpAt + 4);
    const r = readConversations(garbled, 'garbled.pcap');
    t.equal(r.unreadable.length, 1);
    t.ok(r.unreadable[0] instanceof CaptureError);
    t.match(r.unreadable[0], { offset: 24, file: 'garbled.pcap' });
    t.same(hex(r.udp[0]!.toClient), expectedTo('in'), 'the other frames still read');
    t.throws(() => readConversations(bytes.subarray(0, bytes.length - 5), 'cut.pcap'), {
      code: 'X05_FRAME',
      kind: 'truncated',
      file: 'cut.pcap',
    });
  },
);

t.test('fragments are not datagrams', async (t) => {
  const [p] = readCapture(recorded(t));
  const data = Buffer.from(p!.data);
  data.writeUInt16BE(0x2000, 14 + 6); // more fragments
  t.equal(udpDatagram({ ...p!, data }), undefined);
});
