/**
 * fast-check properties for the decoders added with the realtime/comm-key work: EF_ATTLOG payloads of any
 * length, the 28/72-byte user table, MakeKey. Every failure must be a typed GatewayError; valid inputs
 * round-trip.
 */
import fc from 'fast-check';
import t from 'tap';
import { GatewayError, RecordError } from '../../protocol/errors.js';
import { makeCommKey } from '../../protocol/zk/comm-key.js';
import { decodeRealtimeAttlog, encodeRealtimeAttlog } from '../../protocol/zk/realtime-event.js';
import { formatWallTime } from '../../protocol/zk/time.js';
import { UdpDeframer } from '../../protocol/zk/udp-datagram.js';
import { decodeUserTable } from '../../protocol/zk/user-record-28.js';

function typedOnly<T>(f: () => T): T | GatewayError {
  try {
    return f();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
}

t.test('EF_ATTLOG decoder: any bytes give a record or a RecordError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (b) => {
      const r = typedOnly(() => decodeRealtimeAttlog(Buffer.from(b)));
      if (r instanceof GatewayError)
        return r instanceof RecordError && r.offset >= 0 && r.offset < Math.max(1, b.length);
      return r.raw.length === b.length && /^\d{4}-\d{2}-\d{2}T/.test(r.deviceTime);
    }),
    { numRuns: 40_000 },
  );
  t.pass('40,000 inputs');
});

const wallArb = fc
  .record({
    year: fc.integer({ min: 2000, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
  })
  .map(formatWallTime);

t.test('EF_ATTLOG encode → decode round-trips for every layout', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(10, 12, 14, 32, 36, 37, 52 as const),
      fc.integer({ min: 1, max: 65535 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      wallArb,
      (length, user, verify, punch, deviceTime) => {
        const e = { userId: String(user), verify, punch, deviceTime };
        const d = decodeRealtimeAttlog(encodeRealtimeAttlog(e, length as 10 | 12 | 14 | 32 | 36 | 37 | 52));
        return (
          d.userId === e.userId && d.verify === verify && d.punch === punch && d.deviceTime === deviceTime
        );
      },
    ),
    { numRuns: 20_000 },
  );
  t.pass('20,000 inputs');
});

t.test('user table decoder: any bytes, any count, never an untyped throw', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.option(fc.nat(20)), (b, count) => {
      const r = typedOnly(() => decodeUserTable(Buffer.from(b), count ?? undefined));
      if (r instanceof GatewayError) return false;
      return (
        r.users.length <= Math.floor(b.length / r.recordSize) && (r.recordSize === 28 || r.recordSize === 72)
      );
    }),
    { numRuns: 30_000 },
  );
  t.pass('30,000 inputs');
});

t.test('MakeKey: always 4 bytes, ticks in byte 2, deterministic', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 999_999 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 255 }),
      (key, session, ticks) => {
        const a = makeCommKey(key, session, ticks);
        return a.length === 4 && a[2] === ticks && a.equals(makeCommKey(key, session, ticks));
      },
    ),
    { numRuns: 20_000 },
  );
  t.pass('20,000 inputs');
});

t.test('UDP datagrams: any bytes give one packet or one FrameError; the deframer keeps going', async (t) => {
  const d = new UdpDeframer('fuzz');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (b) => {
      const out = d.push(b);
      if (out.length !== 1) return false;
      const [r] = out;
      return (
        r !== undefined &&
        ('packet' in r ? r.packet.data.length === b.length - 8 : r.error.code === 'X05_FRAME')
      );
    }),
    { numRuns: 20_000 },
  );
  t.pass('20,000 inputs');
});
