/**
 * `pull`'s output: punchEventLines must write each event exactly as JSON.stringify does, whatever its
 * strings hold (quotes, backslashes, control characters, lone surrogate halves, non-ASCII), for a line
 * read back is the same event and its bytes match every other place a PunchEvent is written.
 */
import fc from 'fast-check';
import t from 'tap';
import { punchEventLines } from '../../src/event/json-lines.js';
import { makePunchEvent, type PunchEvent } from '../../src/event/punch-event.js';

const stringified = (events: PunchEvent[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

// any UTF-16 text, lone surrogate halves and control characters included
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const anyText = fc.oneof(
  text,
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);

const event = fc
  .record({
    deviceId: anyText,
    site: anyText,
    userId: anyText,
    deviceTime: anyText,
    timezone: anyText,
    punch: fc.integer({ min: 0, max: 255 }),
    verify: fc.integer({ min: 0, max: 255 }),
    source: fc.constantFrom('pull', 'realtime', 'push', 'file' as const),
    receivedAt: fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0)), noInvalidDate: true }),
    clockOffsetS: fc.option(fc.double(), { nil: null }),
    raw: fc.uint8Array({ maxLength: 40 }),
    uidOnly: fc.boolean(),
  })
  .map(({ uidOnly, ...f }) => {
    const e = makePunchEvent(f);
    return uidOnly ? { ...e, uid_only: true as const } : e;
  });

t.test('each line is JSON.stringify of its event (fast-check, 2,000 batches)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 20 }),
      (events) => punchEventLines(events).toString('utf8') === stringified(events),
    ),
    { numRuns: 2000 },
  );
  t.pass();
});

t.test(
  'a batch that shares device, site and user ids: the shared strings are written right each time',
  async (t) => {
    const base = {
      deviceId: 'SN "1"',
      site: 'süd\\west',
      deviceTime: '2026-10-13T07:58:33',
      timezone: 'Europe/Berlin',
      source: 'pull' as const,
      receivedAt: new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 123)),
      clockOffsetS: -2,
      raw: Buffer.from('c400', 'hex'),
      verify: 1,
    };
    const events = Array.from({ length: 10_000 }, (_, i) =>
      makePunchEvent({ ...base, userId: `u\t${i % 300}`, punch: i % 6 }),
    );
    const lines = punchEventLines(events).toString('utf8');
    t.equal(lines, stringified(events));
    t.same(
      lines
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
      events,
    );
    t.equal(punchEventLines([]).length, 0);
  },
);

t.test('lines longer than the first guess of their size: the buffer grows, nothing is cut', async (t) => {
  const events = ['ä', '€', '𝄞', 'x'].map((c, i) =>
    makePunchEvent({
      deviceId: 'DEV-1',
      site: 's',
      userId: c.repeat(200 + i),
      deviceTime: '2026-10-13T07:58:33',
      timezone: 'UTC',
      punch: 0,
      verify: 1,
      source: 'file',
      receivedAt: new Date(0),
      clockOffsetS: null,
      raw: 'x'.repeat(300),
    }),
  );
  t.equal(punchEventLines(events).toString('utf8'), stringified(events));
});

t.test('memory handed back is filled again when large enough, and only then', async (t) => {
  const make = (n: number, userId: string) =>
    Array.from({ length: n }, (_, i) =>
      makePunchEvent({
        deviceId: 'DEV-1',
        site: 's',
        userId,
        deviceTime: '2026-10-13T07:58:33',
        timezone: 'UTC',
        punch: i % 6,
        verify: 1,
        source: 'pull',
        receivedAt: new Date(0),
        clockOffsetS: 0,
        raw: 'c400',
      }),
    );
  const first = punchEventLines(make(50, 'a'));
  const again = make(40, 'b');
  const second = punchEventLines(again, first.buffer);
  t.equal(second.buffer, first.buffer, 'the same memory');
  t.equal(second.toString('utf8'), stringified(again), 'holding the new lines only');
  const more = make(500, 'c');
  const third = punchEventLines(more, first.buffer);
  t.not(third.buffer, first.buffer, 'too small for 500 lines: new memory');
  t.equal(third.toString('utf8'), stringified(more));
});
