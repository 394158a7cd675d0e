/**
 * The same real TCP segments under every link layer and IP version the reader claims: each Ethernet/IPv4
 * frame of a real-bytes pcap is re-wrapped here by hand (802.1Q-tagged Ethernet, Linux cooked v2, BSD
 * loopback, raw IPv6 with a hop-by-hop header) and must reassemble to the same device stream. Non-TCP and
 * fragmented packets are skipped, not misread.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  type CapturedPacket,
  readCapture,
  reassemble,
  type TcpSegment,
  tcpSegment,
} from '../../protocol/pcap/index.js';
import { REAL_BYTES_DIR } from '../helpers/zk-bytes.js';

const file = `${REAL_BYTES_DIR}/pyzk18-users70.retransmit.pcap`;
const original = readCapture(readFileSync(file));
const expected = reassemble(original.map(tcpSegment).filter((s): s is TcpSegment => !!s))[0]!.toClient.bytes;

/** IPv4 header → IPv6 header (+ an 8-byte hop-by-hop header) around the same TCP segment. */
function toIpv6(ip4: Buffer): Buffer {
  const ihl = (ip4[0]! & 0x0f) * 4;
  const tcp = ip4.subarray(ihl, ip4.readUInt16BE(2));
  const h = Buffer.alloc(48);
  h[0] = 0x60;
  h.writeUInt16BE(8 + tcp.length, 4);
  h[6] = 0; // hop-by-hop options next
  h[7] = 64;
  // ::ffff:a.b.c.d keeps the two ends apart as in the original
  h.writeUInt16BE(0xffff, 18);
  ip4.copy(h, 20, 12, 16);
  h.writeUInt16BE(0xffff, 34);
  ip4.copy(h, 36, 16, 20);
  h[40] = 6; // then TCP
  h[41] = 0; // 8 bytes long
  return Buffer.concat([h, tcp]);
}

const ip4Of = (p: CapturedPacket) => p.data.subarray(14);
const rewrap = (linkType: number, wrap: (ip4: Buffer) => Buffer): CapturedPacket[] =>
  original.map((p) => ({ ...p, linkType, data: wrap(ip4Of(p)) }));

const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);

const cases: Record<string, CapturedPacket[]> = {
  'Ethernet with an 802.1Q tag': rewrap(1, (ip) =>
    Buffer.concat([Buffer.alloc(12, 0x02), u16(0x8100), u16(7), u16(0x0800), ip]),
  ),
  'Linux cooked v2 (276)': rewrap(276, (ip) => Buffer.concat([u16(0x0800), Buffer.alloc(18), ip])),
  'BSD loopback (0)': rewrap(0, (ip) => Buffer.concat([Buffer.from([2, 0, 0, 0]), ip])),
  'raw IPv6 with a hop-by-hop header (101)': rewrap(101, toIpv6),
  'Ethernet IPv6': rewrap(1, (ip) => Buffer.concat([Buffer.alloc(12, 0x02), u16(0x86dd), toIpv6(ip)])),
};

for (const [name, packets] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const segs = packets.map(tcpSegment);
    t.ok(segs.every(Boolean), 'every frame yields its TCP segment');
    const convs = reassemble(segs.filter((s): s is TcpSegment => !!s));
    t.equal(convs.length, 1);
    t.equal(convs[0]!.toClient.bytes.toString('hex'), expected.toString('hex'));
    t.equal(convs[0]!.server.port, 4370);
  });
}

t.test('frames that carry no whole TCP segment are skipped', async (t) => {
  const p = original.find((x) => tcpSegment(x)?.payload.length)!;
  const ip = Buffer.from(ip4Of(p));
  const frag = Buffer.from(ip);
  frag.writeUInt16BE(0x2000, 6); // more fragments
  const udp = Buffer.from(ip);
  udp[9] = 17;
  const arp = Buffer.concat([Buffer.alloc(12), u16(0x0806), Buffer.alloc(28)]);
  for (const [what, data, linkType] of [
    ['IPv4 fragment', frag, 101],
    ['UDP', udp, 101],
    ['ARP', arp, 1],
    ['unknown link type', ip, 999],
    ['empty', Buffer.alloc(0), 101],
  ] as const)
    t.equal(tcpSegment({ ...p, data, linkType }), undefined, what);
});
