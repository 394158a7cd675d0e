/**
 * Fuzzing (style.md §3): random and mutated frames and records into the frame reader and every record decoder.
 * Only our typed errors (GatewayError: FrameError, RecordError) may come out — never a TypeError/RangeError —
 * and the framer keeps working after garbage: a valid frame appended after it is still decoded.
 * The total number of generated inputs is counted and asserted (≥ 100 000).
 */
import fc from 'fast-check';
import t from 'tap';
import { FrameError, GatewayError, RecordError } from '../../protocol/errors.js';
import { decodeAttlogRecords } from '../../protocol/zk/attlog-dataset.js';
import { type AttlogRecordSize, decodeAttlogRecord } from '../../protocol/zk/attlog-record.js';
import {
  decodeBufferSize,
  decodePrepareBuffer,
  decodePrepareData,
  decodeReadBuffer,
} from '../../protocol/zk/buffered-read.js';
import { decodeFreeSizes } from '../../protocol/zk/free-sizes.js';
import { decodeOptionAnswer } from '../../protocol/zk/options.js';
import { decodePacket } from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import { parseWallTime } from '../../protocol/zk/time.js';
import { decodeUserRecord, decodeUserRecords } from '../../protocol/zk/user-record.js';
import { frame, hex, type RefPacket, readHexFixture } from '../helpers/zk-bytes.js';

let inputs = 0;
const MAGIC = Buffer.from([0x50, 0x50, 0x82, 0x7d]);
const TRAILER_PACKET: RefPacket = { command: 2000, session: 0x1234, replyId: 77, data: [1, 2, 3] };
const TRAILER = frame(TRAILER_PACKET);

/** Runs `f`; a GatewayError is an allowed outcome, anything else thrown fails the property. */
function typedOnly<T>(f: () => T): T | GatewayError {
  try {
    return f();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
}

// ---- mutations of valid bytes ------------------------------------------------------------------------------

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'truncate'; keep: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
);

function mutate(src: Uint8Array, ms: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : ('at' in m ? m.at : 0) % (b.length + 1);
    switch (m.kind) {
      case 'set':
        if (at < b.length) b[at] = m.value;
        break;
      case 'flip':
        if (at < b.length) b[at] = (b[at] ?? 0) ^ (1 << m.bit);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'truncate':
        b = b.subarray(0, m.keep % (b.length + 1));
        break;
    }
  }
  return b;
}

const chunk = (b: Buffer, cuts: number[]): Buffer[] => {
  const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(b.subarray(from, p));
    from = p;
  }
  out.push(b.subarray(from));
  return out;
};

// ---- the framer --------------------------------------------------------------------------------------------

interface FramerRun {
  ok: boolean;
  why?: string;
  lastIsTrailer: boolean;
}

/** Pushes the chunks, then the trailer frame; checks every result is a packet or a FrameError. */
function runFramer(chunks: Buffer[], trailerAfter = true): FramerRun {
  const framer = new TcpFramer('fuzz');
  const results = [];
  let total = 0;
  for (const c of [...chunks, ...(trailerAfter ? [TRAILER] : [])]) {
    results.push(...framer.push(c)); // must not throw
    total += c.length;
  }
  let lastOffset = -1;
  for (const r of results) {
    if ('error' in r) {
      if (!(r.error instanceof FrameError)) return { ok: false, why: 'untyped error', lastIsTrailer: false };
      if (!['magic', 'length', 'checksum'].includes(r.error.reason))
        return { ok: false, why: `reason ${r.error.reason} from push`, lastIsTrailer: false };
      if (r.error.window.length > 64) return { ok: false, why: 'window over 32 bytes', lastIsTrailer: false };
      if (r.error.offset < 0 || r.error.offset >= total)
        return { ok: false, why: 'error offset outside stream', lastIsTrailer: false };
    } else {
      if (r.offset < lastOffset) return { ok: false, why: 'offsets went backwards', lastIsTrailer: false };
      lastOffset = r.offset;
      if (r.offset + 16 + r.packet.data.length > total)
        return { ok: false, why: 'packet past the stream end', lastIsTrailer: false };
    }
  }
  if (framer.pending > total) return { ok: false, why: 'pending > pushed', lastIsTrailer: false };
  const end = framer.finish();
  if (end !== undefined && !(end instanceof FrameError && end.reason === 'truncated'))
    return { ok: false, why: 'finish gave something other than truncated', lastIsTrailer: false };
  const last = results.at(-1);
  const lastIsTrailer =
    last !== undefined &&
    'packet' in last &&
    last.offset === total - TRAILER.length &&
    last.packet.command === TRAILER_PACKET.command &&
    last.packet.replyId === TRAILER_PACKET.replyId &&
    last.packet.data.equals(Buffer.from(TRAILER_PACKET.data ?? []));
  return { ok: true, lastIsTrailer };
}

const packetArb: fc.Arbitrary<RefPacket> = fc.record({
  command: fc.oneof(fc.constantFrom(500, 1500, 1501, 2000, 2005), fc.integer({ min: 0, max: 0xffff })),
  session: fc.integer({ min: 0, max: 0xffff }),
  replyId: fc.integer({ min: 0, max: 0xffff }),
  data: fc.uint8Array({ maxLength: 64 }).map((a) => Array.from(a)),
});

// Real frames from the fixtures as mutation seeds: every device line of the frame lists, and the first few
// frames of the streams (the short ones: a whole 1 KiB DATA frame is seeded once, below).
const realFrames: Buffer[] = [
  ...readHexFixture('adrobinoga-f19-frames').map((l) => l.bytes),
  ...readHexFixture('k20-pyzk-test')
    .slice(0, 2)
    .map((l) => l.bytes),
  ...readHexFixture('pyzk18-users70')
    .slice(0, 4)
    .map((l) => l.bytes),
  hex('5050827d08000000 d007 b1f7 7c00 0200'),
];
const containsMagic = (b: Uint8Array) => Buffer.from(b).indexOf(MAGIC) >= 0;

t.test('framer: random bytes in random chunks, then a valid frame', async (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }).filter((b) => !containsMagic(b)),
      fc.array(fc.nat(), { maxLength: 6 }),
      (garbage, cuts) => {
        inputs++;
        const r = runFramer(chunk(Buffer.from(garbage), cuts));
        if (!r.ok) throw new Error(r.why);
        return r.lastIsTrailer;
      },
    ),
    { numRuns: 50_000 },
  );
  t.pass('50 000 garbage streams: only FrameErrors, and the frame after the garbage decoded');
});

t.test('framer: random bytes starting with the magic (length and checksum paths)', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.array(fc.nat(), { maxLength: 4 }), (tail, cuts) => {
      inputs++;
      const b = Buffer.concat([MAGIC, tail]);
      const r = runFramer(chunk(b, cuts), false);
      if (!r.ok) throw new Error(r.why);
      return true;
    }),
    { numRuns: 20_000 },
  );
  t.pass('20 000 streams');
});

t.test('framer: mutated valid frames, then a valid frame', async (t) => {
  const seed = fc.oneof(
    packetArb.map((p) => frame(p)),
    fc.constantFrom(...realFrames),
  );
  fc.assert(
    fc.property(
      seed,
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (src, ms, cuts) => {
        inputs++;
        const m = mutate(src, ms);
        const r = runFramer(chunk(m, cuts));
        if (!r.ok) throw new Error(r.why);
        // The trailer is decoded unless the mutated bytes still open a frame whose length reaches past them
        // (the framer must then wait for those bytes; no framer can tell).
        const opensLongFrame =
          m.length >= 8 && m.subarray(0, 4).equals(MAGIC) && 8 + m.readUInt32LE(4) > m.length;
        const strayMagic = containsMagic(m.subarray(1));
        return opensLongFrame || strayMagic || r.lastIsTrailer;
      },
    ),
    { numRuns: 50_000 },
  );
  t.pass('50 000 mutated frames');
});

t.test('framer: a mutated real stream (pyzk18-users70, 6 KB)', async (t) => {
  const stream = Buffer.concat(readHexFixture('pyzk18-users70').map((l) => l.bytes));
  fc.assert(
    fc.property(
      fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (ms, cuts) => {
        inputs++;
        const r = runFramer(chunk(mutate(stream, ms), cuts), false);
        if (!r.ok) throw new Error(r.why);
        return true;
      },
    ),
    { numRuns: 3000 },
  );
  t.pass('3 000 mutated streams');
});

// ---- record decoders ---------------------------------------------------------------------------------------

const record40 = hex('0d00393939313131333333000000000000000000000000000000016bb368230000000000ff000000');
const record16 = hex('1600000085824f230100000000000000');
const record8 = hex('070001b5f95e2e00');
const user72 = hex(
  '0d000034343400c69a807c4e6564000000000000000000000000000000000000000000de000000020100010002000000353535000000000000000000000000000000000000000000',
);
const record49 = Buffer.concat([record40, hex('2a000000 0000000000')]);
const record22 = hex('0700 313030310000 00000000 0f b5f95e2e 01 00000000');
const seeds: Record<AttlogRecordSize, Buffer> = {
  40: record40,
  49: record49,
  22: record22,
  16: record16,
  8: record8,
};
const sizeArb = fc.constantFrom<AttlogRecordSize>(40, 49, 22, 16, 8);
const WALL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

function checkAttlog(bytes: Buffer, size: AttlogRecordSize): boolean {
  const r = typedOnly(() => decodeAttlogRecord(bytes, size, 5, 200));
  if (r instanceof GatewayError) {
    if (!(r instanceof RecordError)) throw new Error(`not a RecordError: ${r.name}`);
    return r.index === 5 && r.offset === 200;
  }
  // whatever decodes has the shape of a time (a date that cannot exist is kept, judged downstream) and a
  // printable id
  return (
    WALL.test(r.deviceTime) && parseWallTime(r.deviceTime) !== undefined && /^[\x21-\x7e]+$/.test(r.userId)
  );
}

t.test('attendance records: random bytes of any length', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), sizeArb, (b, size) => {
      inputs++;
      return checkAttlog(Buffer.from(b), size);
    }),
    { numRuns: 30_000 },
  );
  t.pass('30 000 random records');
});

t.test('attendance records: mutated real/computed records', async (t) => {
  fc.assert(
    fc.property(sizeArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (size, ms) => {
      inputs++;
      return checkAttlog(mutate(seeds[size], ms), size);
    }),
    { numRuns: 20_000 },
  );
  t.pass('20 000 mutated records');
});

t.test('attendance datasets: random record bytes, any count, any forced size', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        fc.array(fc.constantFrom(record40, record16, record8), { maxLength: 6 }).map((a) => Buffer.concat(a)),
      ),
      fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      fc.option(sizeArb, { nil: undefined }),
      (b, count, forced) => {
        inputs++;
        const d = decodeAttlogRecords(b, count, forced); // must not throw
        const used = d.records.length + d.rejected.length;
        const whole = Math.floor(b.length / d.recordSize);
        return (
          d.rejected.every((e) => e instanceof RecordError) &&
          (used === whole || used === whole + 1) &&
          (forced === undefined || d.recordSize === forced)
        );
      },
    ),
    { numRuns: 10_000 },
  );
  t.pass('10 000 datasets');
});

t.test('user records: random and mutated bytes', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }).map((ms) => mutate(user72, ms)),
      ),
      (b) => {
        inputs++;
        const r = typedOnly(() => decodeUserRecord(b, 1, 72));
        if (r instanceof GatewayError) return r instanceof RecordError && b.length < 72;
        return typeof r.userId === 'string' && r.uid >= 0 && r.uid <= 0xffff;
      },
    ),
    { numRuns: 16_000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      inputs++;
      return decodeUserRecords(Buffer.from(b)).length === Math.floor(b.length / 72);
    }),
    { numRuns: 4000 },
  );
  t.pass('20 000 user inputs');
});

t.test('packet and data decoders: random bytes', async (t) => {
  const decoders: Array<[string, (b: Buffer) => unknown]> = [
    ['decodePacket', decodePacket],
    ['decodeBufferSize', decodeBufferSize],
    ['decodePrepareBuffer', decodePrepareBuffer],
    ['decodeReadBuffer', decodeReadBuffer],
    ['decodePrepareData', decodePrepareData],
    ['decodeFreeSizes', decodeFreeSizes],
    ['decodeOptionAnswer', decodeOptionAnswer],
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: decoders.length - 1 }),
      fc.uint8Array({ maxLength: 100 }),
      (i, b) => {
        inputs++;
        const [, decode] = decoders[i]!;
        const r = typedOnly(() => decode(Buffer.from(b)));
        return !(r instanceof GatewayError) || (r instanceof FrameError && r.reason === 'short');
      },
    ),
    { numRuns: 30_000 },
  );
  t.pass('30 000 data inputs');
});

t.test('total generated inputs', async (t) => {
  t.ok(inputs >= 100_000, `${inputs} inputs`);
  t.comment(`fuzz inputs: ${inputs}`);
});
