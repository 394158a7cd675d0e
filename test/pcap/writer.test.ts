/**
 * The pcap writer: what it writes must be a capture any reader accepts — checked here with an independent
 * RFC 1071 sum over each IPv4 header and TCP segment (a correct checksum sums to 0xffff), sequence and
 * acknowledgement numbers that follow the bytes, and our reader giving back exactly the payload, including
 * writes larger than one IPv4 datagram.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  readCapture,
  readTcpConversations,
  SessionCaptureFile,
  TcpFlag,
  tcpSegment,
} from '../../protocol/pcap/index.js';
import { tempDir } from '../helpers/temp-dir.js';

function onesSum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

t.test('a recorded session: valid headers, sequence numbers, and the payload back', async (t) => {
  const file = join(tempDir(t), 's.pcap');
  const cap = new SessionCaptureFile(
    file,
    { address: '10.1.2.3', port: 50000 },
    { address: '10.1.2.201', port: 4370 },
  );
  const big = Buffer.alloc(150_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const sent = [Buffer.from('request one'), Buffer.from('odd')];
  cap.onBytes('out', sent[0]!);
  cap.onBytes('in', big);
  cap.onBytes('out', sent[1]!);
  cap.onBytes('in', Buffer.from([1, 2, 3]));
  cap.close();
  cap.close(); // twice is harmless

  const bytes = readFileSync(file);
  t.equal(bytes.readUInt32LE(0), 0xa1b2c3d4, 'classic pcap magic');
  t.equal(bytes.readUInt32LE(20), 1, 'Ethernet link type');
  const packets = readCapture(bytes);
  for (const p of packets) {
    const ip = p.data.subarray(14);
    t.equal(onesSum(ip.subarray(0, 20)), 0xffff, `packet ${p.index}: IPv4 header checksum`);
    const tcp = ip.subarray(20, ip.readUInt16BE(2));
    const pseudo = Buffer.concat([
      ip.subarray(12, 20),
      Buffer.from([0, 6]),
      Buffer.from([tcp.length >> 8, tcp.length & 0xff]),
    ]);
    t.equal(
      onesSum(Buffer.concat([pseudo, tcp.length % 2 ? Buffer.concat([tcp, Buffer.from([0])]) : tcp])),
      0xffff,
      `packet ${p.index}: TCP checksum`,
    );
    t.ok(ip.readUInt16BE(2) <= 65535);
  }
  const segs = packets.map(tcpSegment);
  t.equal(segs[0]!.flags, TcpFlag.SYN, 'handshake first');
  t.equal(segs[1]!.flags, TcpFlag.SYN | TcpFlag.ACK);
  t.equal(segs[1]!.ack, (segs[0]!.seq + 1) >>> 0, 'SYN-ACK acknowledges the SYN');
  t.ok(
    segs.filter((s) => s!.payload.length > 0).length > 4,
    'the 150,000-byte write became several segments',
  );
  t.ok(
    segs.some((s) => s!.flags & TcpFlag.FIN),
    'closed with FIN',
  );

  const [conv] = readTcpConversations(bytes);
  t.equal(conv!.toServer.bytes.toString('hex'), Buffer.concat(sent).toString('hex'));
  t.equal(conv!.toClient.bytes.toString('hex'), Buffer.concat([big, Buffer.from([1, 2, 3])]).toString('hex'));
  t.match(conv, {
    client: { address: '10.1.2.3', port: 50000 },
    server: { address: '10.1.2.201', port: 4370 },
  });
});

t.test('a session ended by RST reads back as reset', async (t) => {
  const file = join(tempDir(t), 'r.pcap');
  const cap = new SessionCaptureFile(
    file,
    { address: '127.0.0.1', port: 1 },
    { address: '127.0.0.1', port: 2 },
  );
  cap.onBytes('out', Buffer.from('x'));
  cap.close('rst', 'server');
  const [conv] = readTcpConversations(readFileSync(file));
  t.equal(conv!.toClient.end.how, 'rst');
  t.throws(
    () =>
      new SessionCaptureFile(
        join(tempDir(t), 'bad.pcap'),
        { address: 'host', port: 1 },
        { address: '::1', port: 2 },
      ),
    { code: 'X05_ENCODE', field: 'address', value: 'host' },
  );
});
