import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { formatWallTime, type WallTime } from '../../protocol/zk/time.js';
import type { UserRecord } from '../../protocol/zk/user-record.js';
import { msToWall, wallToMs } from './device-clock.js';
import { mulberry32, pick, type Random, randomInt } from './prng.js';
import { SimulatorOptionError } from './sim-error.js';

const FIRST_NAMES = 'Asha Ravi Meera Arjun Fatima John Priya Chen Amina Luis Sara Omar Nisha'.split(' ');
const LETTERS = 'ABCDEFGHIJKLMNOPRSTVW';

/** Verify methods (zk-tcp §11.6). */
const FINGERPRINT = 1;
const CARD = 2;
const FACE = 15;

/** Punch states (zk-tcp §11.6). */
const IN = 0;
const OUT = 1;
const BREAK_OUT = 2;
const BREAK_IN = 3;
const OT_IN = 4;
const OT_OUT = 5;

const DAY_MS = 86_400_000;
const H = 3600;
const M = 60;

/** Users with ids "1001", "1002"…, slot uids 1, 2…; the first one is the super-admin. */
export function generateUsers(seed: number, count: number): UserRecord[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    uid: i + 1,
    privilege: i === 0 ? 14 : 0,
    password: i === 0 ? '1234' : '',
    name: `${pick(random, FIRST_NAMES)} ${pick(random, [...LETTERS])}.`,
    card: random() < 0.15 ? randomInt(random, 1_000_000, 9_999_999) : 0,
    group: 1,
    userId: String(1001 + i),
  }));
}

interface Punch {
  second: number;
  user: UserRecord;
  punch: number;
  verify: number;
}

/** One user's day: in and out, sometimes a lunch break, sometimes overtime; all within 07:45–22:00. */
function shift(random: Random, user: UserRecord, preferred: number, out: Punch[]): void {
  const add = (second: number, punch: number) =>
    out.push({
      second,
      user,
      punch,
      verify: random() < 0.93 ? preferred : pick(random, [FINGERPRINT, FACE, CARD]),
    });
  const clockIn = 7 * H + 45 * M + randomInt(random, 0, 90 * M);
  add(clockIn, IN);
  if (random() < 0.35) {
    const breakOut = 12 * H + 30 * M + randomInt(random, 0, 45 * M);
    add(breakOut, BREAK_OUT);
    add(breakOut + randomInt(random, 20 * M, 60 * M), BREAK_IN);
  }
  const clockOut = clockIn + 8 * H + 30 * M + randomInt(random, 0, 75 * M);
  add(clockOut, OUT);
  if (random() < 0.08) {
    const otIn = clockOut + randomInt(random, 10 * M, 30 * M);
    add(otIn, OT_IN);
    add(otIn + randomInt(random, 60 * M, 150 * M), OT_OUT);
  }
}

/** Whether the user works that day: Sundays off, a short Saturday crew, a few absences. */
function works(random: Random, weekday: number): boolean {
  if (weekday === 0) return false;
  return random() < (weekday === 6 ? 0.4 : 0.95);
}

/**
 * `count` punches of `users` on the days before `until` (device wall date), oldest first as in a device
 * log. Days are filled backwards from the day before `until`, so every time is a real calendar instant in
 * the past of the device clock; the same seed gives the same punches.
 */
export function generatePunches(
  seed: number,
  users: readonly UserRecord[],
  count: number,
  until: WallTime,
): AttlogRecord[] {
  if (count === 0) return [];
  if (users.length === 0) throw new SimulatorOptionError('users', `${count} punches need at least one user`);
  const random = mulberry32(seed ^ 0x9e3779b9);
  const preferred = users.map((u) => (u.card ? CARD : random() < 0.25 ? FACE : FINGERPRINT));
  const untilMs = wallToMs({ ...until, hour: 0, minute: 0, second: 0 });
  const earliest = wallToMs({ year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  const days: AttlogRecord[][] = [];
  let total = 0;
  for (let d = 1; total < count; d++) {
    const dayMs = untilMs - d * DAY_MS;
    if (dayMs < earliest)
      throw new SimulatorOptionError(
        'records',
        `${count} punches of ${users.length} users reach back before 2000`,
      );
    const punches: Punch[] = [];
    const weekday = new Date(dayMs).getUTCDay();
    users.forEach((user, i) => {
      if (works(random, weekday)) shift(random, user, preferred[i]!, punches);
    });
    punches.sort((a, b) => a.second - b.second);
    days.push(
      punches.map((p) => ({
        uid: p.user.uid,
        userId: p.user.userId,
        verify: p.verify,
        punch: p.punch,
        deviceTime: formatWallTime(msToWall(dayMs + p.second * 1000)),
        workcode: 0,
      })),
    );
    total += punches.length;
  }
  return days
    .reverse()
    .flat()
    .slice(total - count);
}
