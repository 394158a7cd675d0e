import fc from 'fast-check';
import t from 'tap';
import { makePunchEvent, PUNCH_BOUNDS } from '../../src/event/index.js';
import { readPunch } from '../../src/forwarder/deliver.js';
import { encodePunchEvent } from '../../src/payload/index.js';

const TOPIC = 'x05/v1/hq/X05-1/punch';
const LETTER_MAX = 64 * 1024;

const good = makePunchEvent({
  deviceId: 'X05-1',
  site: 'hq',
  userId: '4711',
  deviceTime: '2024-05-01T08:00:00',
  timezone: 'Asia/Kolkata',
  punch: 0,
  verify: 1,
  source: 'pull',
  receivedAt: new Date('2024-05-01T08:00:01Z'),
  clockOffsetS: null,
  raw: Buffer.alloc(40, 7),
});

/** Reads `payload` and checks what every outcome must be: an event, or a dead letter under 64 KB. */
function read(payload: Buffer) {
  const r = readPunch(TOPIC, payload, 'fwd-test');
  if ('letter' in r) {
    const size = Buffer.byteLength(JSON.stringify(r.letter));
    if (size > LETTER_MAX) throw new Error(`dead letter of ${size} bytes`);
  }
  return r;
}

t.test('the poison payloads that once stopped forwarders are dead letters of a few KB', async (t) => {
  t.match(read(encodePunchEvent(good)), { event: { id: good.id } });
  // a 4.5 MB push line as the raw record, which the old pattern recursed on
  const huge = { ...good, raw: 'ab'.repeat(4_500_000) };
  const tenMb = read(Buffer.from(JSON.stringify(huge)));
  t.match(tenMb, { letter: { reason: /^\d+ bytes; a PunchEvent is at most 16384$/, truncated: true } });
  const deep = Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  t.match(read(deep), { letter: { path: '' } }, '200,000-deep JSON');
  const deepInField = Buffer.from(`{"v":1,"raw":${'['.repeat(7000)}${']'.repeat(7000)}}`);
  t.ok('letter' in read(deepInField));
  // within the payload limit but past a field bound
  const longRaw = { ...good, raw: 'ab'.repeat(PUNCH_BOUNDS.raw_hex) };
  t.match(read(Buffer.from(JSON.stringify(longRaw))), { letter: { path: 'raw' } });
  const longUser = { ...good, user_id: '7'.repeat(PUNCH_BOUNDS.user_id + 1) };
  t.match(read(Buffer.from(JSON.stringify(longUser))), { letter: { path: 'user_id' } });
  t.match(read(Buffer.from(JSON.stringify({ ...good, raw: 'abc' }))), {
    letter: { path: 'raw', reason: /odd number/ },
  });
});

const hex = (o: { minLength?: number; maxLength: number }) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), ...o });

t.test('no payload makes the message handler throw (fast-check, 10,000+ payloads)', async (t) => {
  const fields = fc.record(
    {
      v: fc.oneof(fc.constant(1), fc.anything()),
      id: fc.oneof(fc.constant(good.id), hex({ minLength: 40, maxLength: 40 }), fc.anything()),
      device_id: fc.oneof(fc.constant('X05-1'), fc.string({ maxLength: 100 }), fc.anything()),
      site: fc.oneof(fc.constant('hq'), fc.string({ maxLength: 100 })),
      user_id: fc.oneof(fc.constant('4711'), fc.string({ maxLength: 300 }), fc.anything()),
      device_time: fc.oneof(fc.constant(good.device_time), fc.string(), fc.anything()),
      timezone: fc.oneof(fc.constant('Asia/Kolkata'), fc.string({ maxLength: 80 })),
      punch: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.double(), fc.anything()),
      verify: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.anything()),
      source: fc.oneof(fc.constantFrom('pull', 'realtime', 'push', 'file'), fc.string()),
      received_at: fc.oneof(fc.constant(good.received_at), fc.string()),
      clock_offset_s: fc.oneof(fc.constant(null), fc.double(), fc.anything()),
      raw: fc.oneof(fc.constant(good.raw), hex({ maxLength: 5000 }), fc.string(), fc.anything()),
    },
    { requiredKeys: [] },
  );
  // whole punches with odd but well-typed fields, their ids computed: these reach the schema's bounds
  const punches = fc
    .record({
      userId: fc.string({ minLength: 1, maxLength: 300 }),
      second: fc.integer({ min: 0, max: 99 }),
      punch: fc.integer({ min: 0, max: 255 }),
      raw: fc.uint8Array({ maxLength: 1100 }),
    })
    .map((f) =>
      encodePunchEvent(
        makePunchEvent({
          deviceId: 'X05-1',
          site: 'hq',
          userId: f.userId,
          deviceTime: `2024-05-01T08:00:${String(f.second).padStart(2, '0')}`,
          timezone: 'Asia/Kolkata',
          punch: f.punch,
          verify: 1,
          source: 'push',
          receivedAt: new Date('2024-05-01T08:00:01Z'),
          clockOffsetS: null,
          raw: Buffer.from(f.raw),
        }),
      ),
    );
  const payloads = fc.oneof(
    punches,
    fields.map((f) => Buffer.from(JSON.stringify(f) ?? 'null')),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    fc.json().map((j) => Buffer.from(j)),
    fc.string({ unit: 'binary' }).map((s) => Buffer.from(s)),
  );
  let events = 0;
  let letters = 0;
  fc.assert(
    fc.property(payloads, (p) => {
      const r = read(p);
      if ('event' in r) events++;
      else letters++;
    }),
    { numRuns: 10_000 },
  );
  t.equal(events + letters, 10_000);
  t.comment(`${events} read as punches, ${letters} dead letters`);
});
