/**
 * The capture reader against the real-bytes pcaps (shared/protocol/real-bytes/README.md): every variant —
 * plain, retransmitted/overlapping 64-byte segments, swapped capture order, Linux cooked and raw-IP link
 * types — must reassemble to exactly the device→client bytes of the fixture's `.hex` (its `<` lines, which
 * the fixture author published; our decoder plays no part in the expectation).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { CaptureError, readCapture, readTcpConversations } from '../../protocol/pcap/index.js';
import { Command } from '../../protocol/zk/commands.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { REAL_BYTES_DIR, readHexFixture, readJsonFixture } from '../helpers/zk-bytes.js';

const variants: Record<string, string[]> = {
  'pyzk18-users70': ['', '.retransmit', '.swapped-reads', '.sll', '.raw'],
  'k20-pyzk-test': ['', '.retransmit'],
  'pyzk-template-98d0': ['', '.retransmit'],
};

const deviceBytes = (name: string) =>
  Buffer.concat(
    readHexFixture(name)
      .filter((l) => l.dir === '<')
      .map((l) => l.bytes),
  );

for (const [name, suffixes] of Object.entries(variants)) {
  const expected = deviceBytes(name);
  const frames = readJsonFixture<{
    expected: { device_to_client_frames: Array<{ cmd: number; reply_id: number }> };
  }>(name).expected.device_to_client_frames;
  for (const suffix of suffixes) {
    t.test(`${name}${suffix}.pcap reassembles to the .hex device stream`, async (t) => {
      const file = `${REAL_BYTES_DIR}/${name}${suffix}.pcap`;
      const [conv, ...more] = readTcpConversations(readFileSync(file), file);
      t.equal(more.length, 0, 'one connection');
      t.ok(conv);
      if (!conv) return;
      t.match(conv.server, { address: '10.0.0.201', port: 4370 });
      t.equal(conv.toClient.bytes.toString('hex'), expected.toString('hex'));
      t.same(conv.toClient.gaps, []);
      if (suffix === '.retransmit')
        t.ok(conv.toClient.duplicateBytes > 0, 'the duplicated segment was dropped');
      const got = new TcpFramer().push(conv.toClient.bytes);
      t.same(
        got.map((r) => ('packet' in r ? [r.packet.command, r.packet.replyId] : r.error.reason)),
        frames.map((f) => [f.cmd, f.reply_id]),
        'frames as the json lists them',
      );
    });
  }
}

t.test('the plain pcap keeps the original segment boundaries of the .hex lines', async (t) => {
  const name = 'pyzk18-users70';
  const file = `${REAL_BYTES_DIR}/${name}.pcap`;
  const conv = readTcpConversations(readFileSync(file))[0]!;
  t.same(
    conv.toClient.pieces.map((p) => p.length),
    readHexFixture(name)
      .filter((l) => l.dir === '<')
      .map((l) => l.bytes.length),
  );
});

t.test('swapped reads come out in TCP order, not capture order', async (t) => {
  const published = Buffer.concat(
    readHexFixture('pyzk18-users70.published-order')
      .filter((l) => l.dir === '<')
      .map((l) => l.bytes),
  );
  const file = `${REAL_BYTES_DIR}/pyzk18-users70.swapped-reads.pcap`;
  const conv = readTcpConversations(readFileSync(file))[0]!;
  t.not(conv.toClient.bytes.toString('hex'), published.toString('hex'), 'capture order would garble it');
  t.equal(conv.toClient.bytes.toString('hex'), deviceBytes('pyzk18-users70').toString('hex'));
  // the piece that arrived first but belongs later becomes readable only when the hole before it fills
  const early = conv.toClient.pieces.find((p) => p.readableAt > p.index);
  t.ok(early, 'one piece waited for its predecessor');
});

t.test('a cut-off capture is a typed error naming the offset', async (t) => {
  const file = `${REAL_BYTES_DIR}/k20-pyzk-test.pcap`;
  const whole = readFileSync(file);
  const cut = whole.subarray(0, whole.length - 5);
  t.throws(() => readCapture(cut, 'cut.pcap'), { code: 'X05_FRAME', kind: 'truncated', file: 'cut.pcap' });
  t.throws(() => readCapture(Buffer.from('not a capture at all'), 'x'), {
    code: 'X05_FRAME',
    kind: 'format',
    offset: 0,
  });
  t.ok(new CaptureError({ file: 'f', offset: 1, kind: 'format', detail: 'd' }) instanceof Error);
});

t.test('the reassembled client stream is empty in these device-only fixtures', async (t) => {
  const conv = readTcpConversations(readFileSync(`${REAL_BYTES_DIR}/k20-pyzk-test.pcap`))[0]!;
  t.equal(conv.toServer.bytes.length, 0);
  t.equal(
    Command.ACK_OK,
    new TcpFramer().push(conv.toClient.bytes).map((r) => ('packet' in r ? r.packet.command : 0))[0],
  );
});
