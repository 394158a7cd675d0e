import { pino } from 'pino';
import t from 'tap';
import { pullDevice } from '../../src/device/index.js';
import { punchEventId } from '../../src/event/index.js';
import { startSimulator } from '../../src/sim/index.js';

const logger = pino({ level: 'silent' });

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
    const r = await pullDevice({
      host: sim.host,
      port: sim.port,
      site: 'hq',
      timezone: 'Asia/Kolkata',
      timeoutMs: 5000,
    });
    t.equal(r.serial, `SIM-${recordSize}`);
    t.equal(r.recordSize, recordSize, 'layout inferred from the data');
    t.equal(r.freeSizes.records, 2000);
    t.equal(r.rejected.length, 0);
    t.equal(r.events.length, 2000);
    const expected = sim.device.records.map((rec) => ({
      user_id: recordSize === 8 ? String(rec.uid) : rec.userId,
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
