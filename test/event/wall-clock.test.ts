/**
 * Wall times and instants in IANA zones (src/event/wall-clock.ts), which keeps each zone's offset per UTC
 * hour instead of asking ICU per call: every answer must be ICU's own, in zones with DST, odd offsets
 * (+05:45, −03:30, Lord Howe's 30-minute DST), a skipped day (Apia, 2011-12-30) and 20th-century changes.
 */
import fc from 'fast-check';
import t from 'tap';
import { formatWallTimeIn, wallTimeToInstant } from '../../src/event/wall-clock.js';
import { icuFormatter } from '../helpers/icu-formatter.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Asia/Kolkata',
];

/** ICU's wall time of an instant, `YYYY-MM-DD HH:MM:SS`, asked of ICU for every instant: the oracle. */
function icuWall(ms: number, zone: string): string {
  const p: Record<string, string> = {};
  for (const part of icuFormatter(zone).formatToParts(ms)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// 1970–2060, and many instants within minutes of a DST change: where an hour-wide cache could go wrong
const anyInstant = fc.integer({ min: 0, max: Date.UTC(2060, 0) });
const nearChange = fc
  .tuple(
    fc.constantFrom(
      Date.UTC(2024, 2, 31, 1), // Berlin spring forward
      Date.UTC(2024, 9, 27, 1), // Berlin fall back
      Date.UTC(2024, 3, 6, 15), // Lord Howe 02:00 → 01:30
      Date.UTC(2024, 9, 5, 15, 30), // Lord Howe 02:00 → 02:30
      Date.UTC(2011, 11, 30, 10), // Apia skips 30 December
      Date.UTC(2024, 2, 10, 5, 30), // St John's spring forward
    ),
    fc.integer({ min: -2 * 3_600_000, max: 2 * 3_600_000 }),
  )
  .map(([at, d]) => at + d);
const instant = fc.oneof(anyInstant, nearChange);

t.test('formatWallTimeIn is ICU’s wall time of the instant, in every zone', async (t) => {
  fc.assert(
    fc.property(
      instant,
      fc.constantFrom(...ZONES),
      (ms, zone) => formatWallTimeIn(ms, zone) === icuWall(ms, zone),
    ),
    { numRuns: 20_000 },
  );
  t.pass();
});

t.test(
  'wallTimeToInstant names an instant whose wall time is the one given, the earlier of two',
  async (t) => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (ms, zone) => {
        const second = Math.floor(ms / 1000) * 1000;
        const wall = icuWall(second, zone);
        const back = wallTimeToInstant(wall.replace(' ', 'T'), zone);
        // the same wall time, at the given instant or an hour or less before it (a repeated hour)
        return icuWall(back, zone) === wall && back <= second && second - back <= 3_600_000;
      }),
      { numRuns: 20_000 },
    );
    t.pass();
  },
);

t.test('the DST edges the comments name', async (t) => {
  t.equal(wallTimeToInstant('2024-10-27T02:30:00', 'Europe/Berlin'), Date.UTC(2024, 9, 27, 0, 30));
  t.equal(wallTimeToInstant('2024-03-31T02:30:00', 'Europe/Berlin'), Date.UTC(2024, 2, 31, 0, 30));
  t.equal(wallTimeToInstant('2024-04-07T01:45:00', 'Australia/Lord_Howe'), Date.UTC(2024, 3, 6, 14, 45));
  t.equal(formatWallTimeIn(Date.UTC(2011, 11, 30, 9, 59, 59), 'Pacific/Apia'), '2011-12-29 23:59:59');
  t.equal(formatWallTimeIn(Date.UTC(2011, 11, 30, 10), 'Pacific/Apia'), '2011-12-31 00:00:00');
});
