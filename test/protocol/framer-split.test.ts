/**
 * TcpFramer robustness (zk-tcp §1, style.md §3): every split of a stream gives the same frames; garbage is
 * reported with its stream offset and the framer resyncs; bad lengths and truncated ends are typed errors.
 * Frames come from the independent builder in test/helpers/zk-bytes.ts.
 */
import fc from 'fast-check';
import t from 'tap';
import { FrameError } from '../../protocol/errors.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { type FrameResult, MAX_FRAME_LENGTH, TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { bytes, frame, hex, type RefPacket, sha256, u32 } from '../helpers/zk-bytes.js';

type Seen = {
  kind: 'packet';
  command: number;
  session: number;
  replyId: number;
  data: string;
  offset: number;
};

const view = (r: FrameResult): Seen | { kind: 'error'; reason: string; offset: number } =>
  'packet' in r
    ? {
        kind: 'packet',
        command: r.packet.command,
        session: r.packet.session,
        replyId: r.packet.replyId,
        data: r.packet.data.toString('hex'),
        offset: r.offset,
      }
    : { kind: 'error', reason: r.error.reason, offset: r.error.offset };

function run(
  chunks: Uint8Array[],
  device = 'split',
): { results: ReturnType<typeof view>[]; end: FrameError | undefined } {
  const framer = new TcpFramer(device);
  const results = chunks.flatMap((c) => framer.push(c)).map(view);
  return { results, end: framer.finish() };
}

/** What the frames of `packets`, laid end to end from stream offset 0, must decode to. */
function expected(packets: RefPacket[]): Seen[] {
  let offset = 0;
  return packets.map((p) => {
    const s: Seen = {
      kind: 'packet',
      command: p.command,
      session: p.session,
      replyId: p.replyId,
      data: Buffer.from(p.data ?? []).toString('hex'),
      offset,
    };
    offset += 16 + (p.data?.length ?? 0);
    return s;
  });
}

const ackOdd: RefPacket = { command: 2000, session: 0x3c5c, replyId: 16, data: [9] }; // 17 bytes on the wire
const prepare: RefPacket = {
  command: 1500,
  session: 0x3c5c,
  replyId: 22,
  data: [...u32(5044), ...u32(1008)],
};
const twoFrames = [ackOdd, prepare];
const twoWire = Buffer.concat(twoFrames.map((p) => frame(p)));

t.test('two frames cut at every byte position', async (t) => {
  const want = expected(twoFrames);
  for (let cut = 0; cut <= twoWire.length; cut++) {
    const { results, end } = run([twoWire.subarray(0, cut), twoWire.subarray(cut)]);
    t.same(results, want, `cut at ${cut}`);
    t.equal(end, undefined);
  }
});

t.test('two frames cut at every pair of positions', async (t) => {
  const want = expected(twoFrames);
  let bad = 0;
  for (let a = 0; a <= twoWire.length; a++) {
    for (let b = a; b <= twoWire.length; b++) {
      const { results } = run([twoWire.subarray(0, a), twoWire.subarray(a, b), twoWire.subarray(b)]);
      if (JSON.stringify(results) !== JSON.stringify(want)) {
        bad++;
        t.same(results, want, `cuts at ${a} and ${b}`);
      }
    }
  }
  t.equal(bad, 0, 'every three-piece split decodes the same');
});

t.test('one byte at a time, and everything at once', async (t) => {
  const frames = [
    ackOdd,
    prepare,
    { command: 1501, session: 0, replyId: 22, data: Array.from({ length: 300 }, (_, i) => i & 0xff) },
  ];
  const wire = Buffer.concat(frames.map((p) => frame(p)));
  t.same(run(Array.from(wire, (b) => Uint8Array.of(b))).results, expected(frames), 'per byte');
  t.same(run([wire]).results, expected(frames), 'whole');
});

const packetArb: fc.Arbitrary<RefPacket> = fc.record({
  command: fc.integer({ min: 0, max: 0xffff }),
  session: fc.integer({ min: 0, max: 0xffff }),
  replyId: fc.integer({ min: 0, max: 0xffff }),
  data: fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((a) => Array.from(a)),
    fc.uint8Array({ minLength: 900, maxLength: 1100 }).map((a) => Array.from(a)),
  ),
});

/** Split points as sorted positions in [0, length]. */
const chunked = (wire: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(wire.subarray(from, p));
    from = p;
  }
  out.push(wire.subarray(from));
  return out;
};

t.test('random frames in random chunks (fast-check)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(packetArb, { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (packets, cuts) => {
        const wire = Buffer.concat(packets.map((p) => frame(p)));
        const { results, end } = run(chunked(wire, cuts));
        return end === undefined && JSON.stringify(results) === JSON.stringify(expected(packets));
      },
    ),
    { numRuns: 400 },
  );
  t.pass('400 random streams decoded identically under random chunking');
});

t.test('decoded packets do not alias the framer buffer', async (t) => {
  const framer = new TcpFramer();
  const first = framer.push(frame({ command: 1501, session: 0, replyId: 1, data: Array(64).fill(0xab) }));
  const p = first[0] && 'packet' in first[0] ? first[0].packet : undefined;
  // many more frames force the buffer to be compacted and reused
  for (let i = 0; i < 200; i++)
    framer.push(frame({ command: 1501, session: i, replyId: 2, data: Array(100).fill(i & 0xff) }));
  t.same(p?.data, Buffer.alloc(64, 0xab));
});

t.test('garbage before and between frames: reason magic at the garbage offset, then resync', async (t) => {
  const a = frame(ackOdd);
  const b = frame(prepare);
  const garbage = Buffer.from('HTTP/1.1 400 Bad Request\r\n', 'latin1');
  const stream = Buffer.concat([garbage, a, garbage, b]);
  const want = [
    { kind: 'error', reason: 'magic', offset: 0 },
    { ...expected([ackOdd])[0], offset: garbage.length },
    { kind: 'error', reason: 'magic', offset: garbage.length + a.length },
    { ...expected([prepare])[0], offset: 2 * garbage.length + a.length },
  ];
  t.same(run([stream]).results, want, 'in one read');

  // split anywhere, the frames still come out at their offsets and every error is a magic error inside garbage
  for (let cut = 0; cut <= stream.length; cut++) {
    const { results, end } = run([stream.subarray(0, cut), stream.subarray(cut)]);
    t.same(
      results.filter((r) => r.kind === 'packet'),
      [want[1], want[3]],
      `cut ${cut}: frames`,
    );
    const errors = results.filter((r) => r.kind === 'error');
    t.ok(errors.length >= 2, `cut ${cut}: both garbage runs reported`);
    t.equal(errors[0]?.offset, 0);
    t.ok(
      errors.every(
        (e) =>
          e.kind === 'error' &&
          e.reason === 'magic' &&
          (e.offset < garbage.length ||
            (e.offset >= garbage.length + a.length && e.offset < 2 * garbage.length + a.length)),
      ),
      `cut ${cut}: errors point into the garbage`,
    );
    t.equal(end, undefined);
  }
});

t.test('garbage that looks like the start of a magic', async (t) => {
  const a = frame(ackOdd);
  for (const junk of ['50', '5050', '505082', '50505050', '7d505082', '5050827e']) {
    const g = hex(junk);
    const { results } = run([g, a]);
    t.same(
      results.at(-1),
      { ...expected([ackOdd])[0], offset: g.length },
      `${junk}: frame found at ${g.length}`,
    );
    t.ok(
      results.slice(0, -1).every((r) => r.kind === 'error' && r.reason === 'magic' && r.offset < g.length),
      `${junk}: only magic errors before it`,
    );
    t.ok(results.length >= 2, `${junk}: the junk is reported`);
  }
});

t.test('FrameError fields: code, device, reason, offset, a ≤ 32-byte hex window', async (t) => {
  const garbage = Buffer.alloc(100, 0x41);
  const framer = new TcpFramer('X05-lobby');
  const [r] = framer.push(garbage);
  if (!r || !('error' in r)) return t.fail('expected an error');
  t.ok(r.error instanceof FrameError);
  t.match(r.error, {
    code: 'X05_FRAME',
    name: 'FrameError',
    device: 'X05-lobby',
    reason: 'magic',
    offset: 0,
  });
  t.equal(r.error.command, undefined);
  t.equal(r.error.window, '41'.repeat(32));
});

t.test('length field out of range: reason length, then resync', async (t) => {
  const good = frame(ackOdd);
  const cases: Array<[string, number]> = [
    ['0', 0],
    ['7 (shorter than the header)', 7],
    ['1 MiB + 1', MAX_FRAME_LENGTH + 1],
    ['0xFFFFFFFF', 0xffffffff],
  ];
  for (const [name, length] of cases) {
    const bad = bytes([0x50, 0x50, 0x82, 0x7d], u32(length), hex('d007 0000 0000 0000'));
    const { results, end } = run([bad, good]);
    t.same(results[0], { kind: 'error', reason: 'length', offset: 0 }, `${name}: reported`);
    t.same(results.at(-1), { ...expected([ackOdd])[0], offset: bad.length }, `${name}: next frame decoded`);
    t.equal(end, undefined);
  }
  t.equal(MAX_FRAME_LENGTH, 1024 * 1024);
  // the bounds themselves are lengths, not errors: 8 completes, 1 MiB waits for its bytes
  t.same(
    run([frame({ command: 1000, session: 0, replyId: 0 })]).results.map((r) => r.kind),
    ['packet'],
  );
  const waiting = new TcpFramer();
  t.same(waiting.push(bytes([0x50, 0x50, 0x82, 0x7d], u32(MAX_FRAME_LENGTH), hex('dd05'))), []);
  t.equal(waiting.pending, 10);
});

t.test('truncated final frame: finish() → reason truncated at the frame start', async (t) => {
  const a = frame(ackOdd);
  const b = frame(prepare);
  for (let keep = 1; keep < b.length; keep++) {
    const framer = new TcpFramer('dev9');
    const out = framer.push(Buffer.concat([a, b.subarray(0, keep)]));
    t.equal(out.length, 1, `keep ${keep}: the whole frame before it decodes`);
    const end = framer.finish();
    t.match(
      end,
      { code: 'X05_FRAME', reason: 'truncated', offset: a.length, device: 'dev9' },
      `keep ${keep}`,
    );
    // the command is known once its two bytes arrived
    t.equal(end?.command, keep >= 10 ? 1500 : undefined, `keep ${keep}: command`);
  }
  const clean = new TcpFramer();
  clean.push(Buffer.concat([a, b]));
  t.equal(clean.finish(), undefined, 'a stream that ends on a frame boundary is clean');
  t.equal(new TcpFramer().finish(), undefined, 'so is an empty one');
});

t.test(
  'a frame cut off by the start of the next (device reset mid-frame): resync at a later frame',
  async (t) => {
    const big = frame({ command: 1501, session: 0, replyId: 22, data: Array(64).fill(0x11) });
    const c = frame({ command: 2000, session: 1, replyId: 23 });
    const d = frame({ command: 2000, session: 1, replyId: 24, data: [1, 2, 3, 4] });
    // 30 bytes of `big`, then `c` and `d`: the framer waits for big's 72 bytes, which swallow `c`
    const stream = Buffer.concat([big.subarray(0, 30), c, d, c, d]);
    const { results } = run([stream]);
    const packets = results.filter((r) => r.kind === 'packet') as Seen[];
    t.ok(packets.length >= 1, 'later frames decode');
    t.same(packets.at(-1), {
      kind: 'packet',
      command: 2000,
      session: 1,
      replyId: 24,
      data: '01020304',
      offset: stream.length - d.length,
    });
    t.match(
      results[0],
      { kind: 'error', reason: 'checksum', offset: 10 },
      'the mangled frame fails its checksum',
    );
  },
);

t.test('a 64 KiB DATA frame spanning 256 reads of 256 bytes', async (t) => {
  const data = Buffer.alloc(65_528);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
  const wire = frame({ command: 1501, session: 0, replyId: 8, data });
  t.equal(wire.length, 65_544);
  const framer = new TcpFramer();
  const out: FrameResult[] = [];
  for (let at = 0; at < wire.length; at += 256) {
    const got = framer.push(wire.subarray(at, at + 256));
    if (at + 256 < wire.length) t.equal(got.length, 0);
    out.push(...got);
  }
  t.equal(out.length, 1);
  const p = out[0] && 'packet' in out[0] ? (out[0].packet as ZkPacket) : undefined;
  t.equal(p?.data.length, 65_528);
  t.equal(sha256(p?.data ?? Buffer.alloc(0)), sha256(data));
  t.equal(framer.pending, 0);
});

t.test('hundreds of frames in one read are all consumed', async (t) => {
  const packets: RefPacket[] = Array.from({ length: 300 }, (_, i) => ({
    command: 1501,
    session: i,
    replyId: 7,
    data: [i & 0xff],
  }));
  const { results, end } = run([Buffer.concat(packets.map((p) => frame(p)))]);
  t.same(results, expected(packets));
  t.equal(end, undefined);
});

t.test('stream offsets keep counting across many reads', async (t) => {
  const framer = new TcpFramer();
  let offset = 0;
  let ok = true;
  for (let i = 0; i < 2000; i++) {
    const f = frame({ command: 1501, session: i & 0xffff, replyId: 1, data: Array(i % 50).fill(1) });
    const [r] = framer.push(f);
    if (!r || !('packet' in r) || r.offset !== offset) ok = false;
    offset += f.length;
  }
  t.ok(ok, 'every frame at its cumulative offset');
  t.equal(framer.streamOffset, offset);
  const [e] = framer.push(Buffer.from('junk'));
  t.match(e, { error: { reason: 'magic', offset } }, 'error offsets too');
});
