import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseWallTime, wallTimeProblem } from '../../protocol/zk/index.js';
import { generatePunches, generateUsers, startSimulator } from '../../src/sim/index.js';
import { silentLogger } from '../helpers/loggers.js';

const until = { year: 2024, month: 3, day: 15, hour: 0, minute: 0, second: 0 };

t.test('the same seed gives the same users and punches; another seed does not', async (t) => {
  const users = generateUsers(42, 50);
  t.same(generateUsers(42, 50), users);
  t.same(generatePunches(42, users, 2000, until), generatePunches(42, users, 2000, until));
  t.not(
    JSON.stringify(generatePunches(43, users, 2000, until)),
    JSON.stringify(generatePunches(42, users, 2000, until)),
  );
  t.same(
    users.map((u) => [u.uid, u.userId]),
    Array.from({ length: 50 }, (_, i) => [i + 1, String(1001 + i)]),
  );
});

t.test('punches are real, past, chronological, with realistic codes', async (t) => {
  const users = generateUsers(1, 50);
  const punches = generatePunches(1, users, 2000, until);
  t.equal(punches.length, 2000);
  const times = punches.map((p) => p.deviceTime);
  t.ok(
    times.every((s) => {
      const w = parseWallTime(s);
      return w !== undefined && wallTimeProblem(w) === undefined;
    }),
    'every time is a calendar instant',
  );
  t.ok(
    times.every((s) => s < '2024-03-15T00:00:00'),
    'all before the until date',
  );
  t.same(times, [...times].sort(), 'oldest first, as a device log');
  t.same(
    [...new Set(punches.map((p) => p.verify))].sort((a, b) => a - b),
    [1, 2, 15],
  );
  t.same([...new Set(punches.map((p) => p.punch))].sort(), [0, 1, 2, 3, 4, 5]);
  const byUser = new Map(users.map((u) => [u.userId, u.uid]));
  t.ok(punches.every((p) => byUser.get(p.userId) === p.uid && p.workcode === 0));
  const days = new Set(times.map((s) => s.slice(0, 10)));
  t.ok(days.size > 10 && days.size < 60, `spread over recent days (${days.size})`);
});

t.test('a simulator without untilDate punches before its own today', async (t) => {
  const sim = await startSimulator({
    users: 5,
    records: 50,
    clockOffsetS: -86_400 * 3,
    logger: silentLogger(),
  });
  t.teardown(() => sim.stop());
  const today = sim.device.clock.now();
  const todayText = `${today.year}-${String(today.month).padStart(2, '0')}-${String(today.day).padStart(2, '0')}`;
  t.ok(sim.device.records.every((r) => r.deviceTime < todayText));
});

t.test('bad options are X05_USAGE errors naming the option', async (t) => {
  const cases: Array<[Parameters<typeof startSimulator>[0], string]> = [
    [{ recordSize: 12 }, 'recordSize'],
    [{ port: 70_000 }, 'port'],
    [{ paceMs: Number.NaN }, 'paceMs'],
    [{ users: 1.5 }, 'users'],
    [{ untilDate: '2024-02-30' }, 'untilDate'],
    [{ maxDataPayload: 0 }, 'maxDataPayload'],
    [{ users: 0, records: 5 }, 'users'],
    [{ users: 1, records: 100_000, untilDate: '2000-03-01' }, 'records'],
  ];
  for (const [opts, option] of cases)
    await t.rejects(startSimulator({ ...opts, logger: silentLogger() }), {
      name: 'SimulatorOptionError',
      code: 'X05_USAGE',
      option,
    });
});

t.test('records and users from a JSON file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'x05-sim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'log.json');
  writeFileSync(
    file,
    JSON.stringify({
      users: [{ userId: 'NB2401004', name: 'Ned', card: 222 }],
      records: [
        { userId: 'NB2401004', deviceTime: '2024-03-15T08:30:45', verify: 15, punch: 1 },
        { userId: '555', deviceTime: '2018-06-25T17:50:35' },
      ],
    }),
  );
  const sim = await startSimulator({ dataFile: file, logger: silentLogger() });
  t.teardown(() => sim.stop());
  t.match(sim.device.users, [
    { uid: 1, userId: 'NB2401004', name: 'Ned', card: 222, privilege: 0, group: 1 },
    { uid: 2, userId: '555', name: '' },
  ]);
  t.same(sim.device.records, [
    { uid: 1, userId: 'NB2401004', deviceTime: '2024-03-15T08:30:45', verify: 15, punch: 1, workcode: 0 },
    { uid: 2, userId: '555', deviceTime: '2018-06-25T17:50:35', verify: 1, punch: 0, workcode: 0 },
  ]);
  await t.rejects(startSimulator({ dataFile: file, recordSize: 16, logger: silentLogger() }), {
    code: 'X05_USAGE',
    option: 'recordSize',
  });

  const bad = join(dir, 'bad.json');
  writeFileSync(
    bad,
    JSON.stringify({
      records: [
        { userId: '1', deviceTime: '2024-01-01T00:00:00' },
        { userId: '2', deviceTime: '2024-02-30T08:00:00' },
      ],
    }),
  );
  await t.rejects(startSimulator({ dataFile: bad, logger: silentLogger() }), {
    name: 'ConfigError',
    code: 'X05_CONFIG',
    file: bad,
    key: 'records[1].deviceTime',
  });
  writeFileSync(bad, '{ not json');
  await t.rejects(startSimulator({ dataFile: bad, logger: silentLogger() }), { code: 'X05_CONFIG', key: '' });
});
