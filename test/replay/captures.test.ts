/**
 * Every committed capture (style.md §6) replayed through the decoder three ways — the whole device stream,
 * one original TCP segment at a time, one byte at a time — giving the same frames each time (a UDP session:
 * every datagram one valid packet); then through the replay decoder, whose records must be the simulator's
 * own dataset (captures/*-dataset.json), not a decoder's earlier output. tcpdump's capture and the other
 * recorders' captures (our writer's, dumpcap's pcapng) of the same session must agree.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { readTcpConversations } from '../../protocol/pcap/index.js';
import { type FrameResult, TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { UDP_MAX_DATA } from '../../protocol/zk/udp-datagram.js';
import { replayLines } from '../../src/cli/replay-command.js';
import { type Side, sideFrames, type ZkConversation } from '../../src/replay/timeline.js';
import { REAL_BYTES_DIR, readJsonFixture } from '../helpers/zk-bytes.js';
import { loadCaptures } from './capture-files.js';

const captures = loadCaptures();

const summary = (results: FrameResult[]) =>
  results.map((r) =>
    'error' in r
      ? `error ${r.error.reason}`
      : `${r.packet.command}/${r.packet.replyId}/${r.packet.data.toString('hex')}`,
  );

function feed(chunks: Iterable<Buffer>): string[] {
  const framer = new TcpFramer('capture');
  const out: FrameResult[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  const cut = framer.finish();
  return [...summary(out), ...(cut ? [`error ${cut.reason}`] : [])];
}

function* bytewise(b: Buffer): Generator<Buffer> {
  for (let i = 0; i < b.length; i++) yield b.subarray(i, i + 1);
}

t.ok(captures.length >= 4, 'full download and broken session, each by tcpdump and by our writer');

for (const c of captures) {
  t.test(c.name, async (t) => {
    const { session, sidecar, records } = c;
    if (session.transport === 'udp') {
      for (const side of ['device', 'client'] as const)
        t.same(
          sideFrames(session, side).flatMap((e) => (e.error ? [e.error.message] : [])),
          [],
          `${side}: every datagram is one valid packet`,
        );
      t.ok(
        session.toClient.every((d) => d.payload.length <= 8 + UDP_MAX_DATA),
        'at most 1024 data bytes per datagram (zk-tcp.md §14)',
      );
    } else
      for (const [dir, stream] of [
        ['device', session.toClient],
        ['client', session.toServer],
      ] as const) {
        const whole = feed([stream.bytes]);
        const perSegment = feed(
          stream.pieces.map((p) => stream.bytes.subarray(p.offset, p.offset + p.length)),
        );
        const perByte = feed(bytewise(stream.bytes));
        t.same(perSegment, whole, `${dir}: per segment = whole`);
        t.same(perByte, whole, `${dir}: byte by byte = whole`);
        t.same(stream.gaps, [], `${dir}: no holes`);
      }

    const lines = [...replayLines(session)];
    const got = lines
      .filter((l) => l.kind === 'record')
      .map((l) => ({ userId: l.userId, deviceTime: l.deviceTime, verify: l.verify, punch: l.punch }));
    const frames = lines.filter((l) => l.kind === 'frame');
    t.ok(
      frames.some((l) => l.from === 'client' && l.command === 'CONNECT(1000)'),
      'the client CONNECT is named',
    );
    t.ok(
      frames.some((l) => l.from === 'device' && l.answers === 'CONNECT(1000)'),
      'its answer is tied to it',
    );
    const serial = frames.find((l) => l.from === 'device' && l.answers === 'OPTIONS_RRQ(11)');
    t.match(
      Buffer.from(String(serial?.data), 'hex').toString('latin1'),
      `~SerialNumber=${sidecar.expected.serial}`,
    );

    t.equal(
      frames.some((l) => l.from === 'client' && l.command === 'AUTH(1102)'),
      sidecar.comm_key !== null,
      'CMD_AUTH exactly when the terminal has a comm key',
    );
    if (sidecar.comm_key !== null)
      t.ok(
        frames.some((l) => l.command === 'ACK_UNAUTH(2005)' && l.answers === 'CONNECT(1000)'),
        'ACK_UNAUTH first',
      );
    const events = lines
      .filter((l) => l.kind === 'event')
      .map((l) => ({ userId: l.userId, deviceTime: l.deviceTime, verify: l.verify, punch: l.punch }));
    t.same(events, sidecar.expected.realtime_events ?? [], 'realtime events as the terminal made them');
    if (sidecar.expected.pull_exit_code === 0) {
      const ds = lines.find((l) => l.kind === 'dataset');
      t.match(ds, {
        dataset: 'attendance',
        bytes: sidecar.expected.dataset_bytes,
        recordSize: sidecar.expected.record_size,
      });
      t.equal(got.length, sidecar.expected.record_count);
      t.same(got, records, 'every punch of the simulator log, in order, field by field');
      if (session.transport === 'tcp')
        t.equal(session.toClient.end.how === 'open', false, 'the session ended');
      else
        t.ok(
          frames.some((l) => l.answers === 'EXIT(1001)'),
          'the session ended: EXIT answered',
        );
    } else {
      t.equal(
        sent(session, 'device').join('').length / 2,
        sidecar.expected.device_bytes,
        'the device stopped where the fault says',
      );
      t.same(got, [], 'no record from a broken transfer');
      t.ok(
        lines.some((l) => l.kind === 'frame-error' && l.reason === 'truncated'),
        'the cut frame is reported',
      );
    }
  });
}

/** What one side sent, as hex: the TCP stream, or each UDP datagram. */
function sent(conv: ZkConversation, side: Side): string[] {
  if (conv.transport === 'udp')
    return (side === 'client' ? conv.toServer : conv.toClient).map((d) => d.payload.toString('hex'));
  return [(side === 'client' ? conv.toServer : conv.toClient).bytes.toString('hex')];
}

t.test('tcpdump and the other recorders recorded the same bytes of each session', async (t) => {
  const others = /-(gateway|dumpcap)\.pcap(ng)?$/;
  for (const c of captures.filter((x) => others.test(x.name))) {
    const twin = captures.find((x) => x.name === c.name.replace(others, '.pcap'));
    t.ok(twin, `${c.name} has a tcpdump twin`);
    if (!twin) continue;
    t.equal(c.session.transport, twin.session.transport, `${c.name}: transport`);
    t.same(sent(c.session, 'client'), sent(twin.session, 'client'), `${c.name}: client`);
    t.same(sent(c.session, 'device'), sent(twin.session, 'device'), `${c.name}: device`);
  }
  t.ok(
    captures.some((x) => x.name.endsWith('.pcapng') && x.session.transport === 'udp'),
    'a pcapng UDP capture is among them',
  );
});

t.test('replay of the real-terminal pcaps (device side only) still yields their bulk data', async (t) => {
  for (const name of ['pyzk18-users70.swapped-reads', 'pyzk-template-98d0.retransmit']) {
    const json = readJsonFixture<{ expected: { bulk_data: { bytes: number; sha256: string } } }>(
      name.split('.')[0]!,
    );
    const conv = readTcpConversations(readFileSync(`${REAL_BYTES_DIR}/${name}.pcap`))[0]!;
    const ds = [...replayLines(conv)].find((l) => l.kind === 'dataset');
    t.match(ds, { bytes: json.expected.bulk_data.bytes, sha256: json.expected.bulk_data.sha256 }, name);
  }
});
