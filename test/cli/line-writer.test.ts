/**
 * `pull`'s writer: a batch's lines are made while the batch before them is written, in memories reused once
 * their write is done. Slow writes must still get every line once and in order; a failing stream must end
 * the pull with its error.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { LineWriter } from '../../src/cli/line-writer.js';
import { makePunchEvent, type PunchEvent } from '../../src/event/punch-event.js';

const batch = (from: number, n: number): PunchEvent[] =>
  Array.from({ length: n }, (_, i) =>
    makePunchEvent({
      deviceId: 'SN1',
      site: 'hq',
      userId: String(from + i),
      deviceTime: '2026-12-05T08:00:00',
      timezone: 'UTC',
      punch: 0,
      verify: 1,
      source: 'pull',
      receivedAt: new Date(0),
      clockOffsetS: 0,
      raw: Buffer.from([from + i]),
    }),
  );

/** A stream that copies what it is given only after a delay, as a disk does, and can fail its nth write. */
function slowSink(failAt = Number.POSITIVE_INFINITY) {
  const chunks: Buffer[] = [];
  let writes = 0;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const n = ++writes;
      setTimeout(() => {
        if (n === failAt) return done(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }));
        chunks.push(Buffer.from(chunk));
        done();
      }, 2);
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

t.test('slow writes: every line once, in order, though the memory of a batch is filled again', async (t) => {
  const sink = slowSink();
  const writer = new LineWriter(sink.stream);
  const batches = [batch(0, 300), batch(300, 200), batch(500, 300), batch(800, 50), batch(850, 300)];
  for (const b of batches) await writer.write(b);
  await writer.flush();
  const lines = sink.text().trimEnd().split('\n');
  t.same(
    lines.map((l) => JSON.parse(l).user_id),
    batches.flat().map((e) => e.user_id),
  );
  t.same(
    lines,
    batches.flat().map((e) => JSON.stringify(e)),
    'each line is its event',
  );
});

t.test(
  'a failed write ends the next write or the flush with its error, and nothing after it is written',
  async (t) => {
    const sink = slowSink(2);
    const writer = new LineWriter(sink.stream);
    await writer.write(batch(0, 10));
    await writer.write(batch(10, 10));
    await t.rejects(writer.write(batch(20, 10)), { code: 'ENOSPC' });
    await t.rejects(writer.flush(), { code: 'ENOSPC' });
    t.equal(sink.text().trimEnd().split('\n').length, 10, 'the first batch only');
  },
);
