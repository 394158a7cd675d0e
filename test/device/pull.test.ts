import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { pullDevice } from '../../src/device/index.js';
import { punchEventId } from '../../src/event/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

/** One complete download from a simulator. */
const pullFrom = (sim: { host: string; port: number }, timezone: string) =>
  pullDevice({ host: sim.host, port: sim.port, site: 'hq', timezone, timeoutMs: 5000 });

for (const recordSize of [40, 49, 22, 16, 8] as const) {
  t.test(`downloads every punch of a ${recordSize}-byte-record terminal`, async (t) => {
    const sim = await startSimulator({
      records: 2000,
      users: 50,
      serial: `SIM-${recordSize}`,
      seed: 7,
      recordSize,
      logger,
    });
    t.teardown(() => sim.stop());
    const r = await pullFrom(sim, 'Asia/Kolkata');
    t.equal(r.serial, `SIM-${recordSize}`);
    t.equal(r.recordSize, recordSize, 'layout inferred from the data');
    t.equal(r.freeSizes.records, 2000);
    t.equal(r.rejected.length, 0);
    t.equal(r.events.length, 2000);
    const expected = sim.device.records.map((rec) => ({
      // 8-byte records carry the uid alone: the terminal's user list gives the user id back
      user_id: rec.userId,
      device_time: rec.deviceTime,
      punch: rec.punch,
      verify: rec.verify,
    }));
    t.same(
      r.events.map((e) => ({
        user_id: e.user_id,
        device_time: e.device_time,
        punch: e.punch,
        verify: e.verify,
      })),
      expected,
      'every field as the terminal holds it',
    );
    const e = r.events[0]!;
    t.equal(e.id, punchEventId(`SIM-${recordSize}`, e.user_id, e.device_time, e.punch));
    t.match(e, {
      v: 1,
      site: 'hq',
      device_id: `SIM-${recordSize}`,
      timezone: 'Asia/Kolkata',
      source: 'pull',
    });
  });
}

t.test('a log larger than one chunk is read chunk by chunk, slow frames included', async (t) => {
  const sim = await startSimulator({
    records: 5000,
    users: 80,
    serial: 'SIM-BIG',
    maxDataPayload: 1008,
    logger,
  });
  t.teardown(() => sim.stop());
  const progress: number[] = [];
  const r = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: 'UTC',
    timeoutMs: 5000,
    onProgress: (p) => progress.push(p.received),
  });
  t.equal(r.events.length, 5000);
  t.equal(
    new Set(r.events.map((e) => e.id)).size,
    new Set(sim.device.records.map((x) => `${x.userId}|${x.deviceTime}|${x.punch}`)).size,
  );
  t.ok(progress.length >= 4, `several chunks (${progress.length})`);
  t.same(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress only grows',
  );
});

t.test('clock drift is measured against the device zone', async (t) => {
  const sim = await startSimulator({ records: 10, clockOffsetS: 300, logger });
  t.teardown(() => sim.stop());
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const r = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: localZone,
    timeoutMs: 5000,
  });
  t.ok(r.clockOffsetS !== null && Math.abs(r.clockOffsetS - 300) <= 2, `offset ${r.clockOffsetS} s ≈ 300 s`);
});

t.test('8-byte records: badge numbers from the user list, whatever the slot numbers', async (t) => {
  // slots as a terminal leaves them after deletions: uids 3 and 17, badge numbers unrelated to them
  const file = join(tempDir(t), 'users.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [
        { uid: 3, userId: '880412', name: 'A' },
        { uid: 17, userId: '990001', name: 'B' },
      ],
      records: [
        { userId: '990001', deviceTime: '2024-05-01T08:00:00' },
        { userId: '880412', deviceTime: '2024-05-01T08:01:00', punch: 1 },
      ],
    }),
  );
  const sim = await startSimulator({ dataFile: file, recordSize: 8, serial: 'SIM-UID', logger });
  t.teardown(() => sim.stop());
  const r = await pullFrom(sim, 'UTC');
  t.equal(r.recordSize, 8);
  t.same(
    r.events.map((e) => [e.user_id, e.punch, 'uid_only' in e]),
    [
      ['990001', 0, false],
      ['880412', 1, false],
    ],
  );

  // the user of slot 17 is deleted at the terminal; the log keeps the punch under uid 17
  sim.device.deleteUser('990001');
  const after = await pullFrom(sim, 'UTC');
  t.same(
    after.events.map((e) => [e.user_id, e.uid_only]),
    [
      ['17', true],
      ['880412', undefined],
    ],
    'a uid no user owns stays the uid, as a string, flagged uid_only',
  );
});
