/**
 * Waits, rates and backoffs on a fake clock (@sinonjs/fake-timers, which also fakes node:timers/promises and
 * performance.now): each test states exact virtual times, runs in milliseconds, and cannot pass by luck of
 * a quiet machine.
 */
import { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import FakeTimers from '@sinonjs/fake-timers';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { DEFAULT_RETRY, retryDelayMs } from '../../src/forwarder/backoff.js';
import { KeySerial } from '../../src/forwarder/key-serial.js';
import { retrying } from '../../src/forwarder/retry.js';
import { newForwarderStats } from '../../src/forwarder/stats.js';
import { FrappeError } from '../../src/frappe/errors.js';
import { confirmWaitMs, DEFAULT_CONFIRM } from '../../src/publish/confirm-policy.js';
import { RateLimiter } from '../../src/publish/rate-limiter.js';
import { DiskGuard } from '../../src/store/disk.js';
import { freeBytes, tmpfsDir, tmpfsSkip } from '../helpers/tmpfs.js';

/**
 * Fake timers, Date and performance.now until the test ends. The code imports `setTimeout` from
 * node:timers/promises by name: syncing the built-in modules' ES exports makes those bindings the fakes too.
 */
function fakeClock(t: Test) {
  const clock = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
  });
  syncBuiltinESMExports();
  t.teardown(() => {
    clock.uninstall();
    syncBuiltinESMExports();
  });
  return clock;
}

t.test('rate limiter: a tenth of a second as a burst, then one take per 1/rate s', async (t) => {
  const clock = fakeClock(t);
  const limiter = new RateLimiter(100);
  const at: number[] = [];
  const taking = (async () => {
    for (let i = 0; i < 60; i++) {
      await limiter.take();
      at.push(performance.now());
    }
  })();
  await clock.tickAsync(2000);
  await taking;
  const start = at[0]!;
  t.same(
    at.slice(0, 10).map((v) => v - start),
    Array(10).fill(0),
    'the burst: 10 at once',
  );
  const gaps = at.slice(10).map((v, i) => v - at[i + 9]!);
  t.ok(
    gaps.every((g) => g >= 9 && g <= 11),
    `then every 10 ms (${Math.min(...gaps)}–${Math.max(...gaps)})`,
  );
  t.ok(at[59]! - start >= 490 && at[59]! - start <= 510, '60 takes at 100/s: the last after 0.5 s');
  const unlimited = new RateLimiter(0);
  const before = performance.now();
  for (let i = 0; i < 1000; i++) await unlimited.take();
  t.equal(performance.now() - before, 0, 'rate 0: never waits');
});

t.test(
  'retry backoff: doubling from 0.5 s with ±20 % jitter, capped at 30 s, never under Retry-After',
  async (t) => {
    for (let failures = 0; failures < 12; failures++) {
      const base = Math.min(30_000, 500 * 2 ** failures);
      for (let i = 0; i < 50; i++) {
        const d = retryDelayMs(DEFAULT_RETRY, 'retryable', failures);
        if (d < base * 0.8 - 1 || d > base * 1.2 + 1)
          t.fail(`failure ${failures}: ${d} ms outside ${base} ± 20 %`);
      }
    }
    t.equal(retryDelayMs(DEFAULT_RETRY, 'retryable', 0, 120), 120_000, "a 429's Retry-After wins");
    t.equal(retryDelayMs(DEFAULT_RETRY, 'auth', 3), 60_000, 'a refused key: slow probes');
    t.equal(retryDelayMs(DEFAULT_RETRY, 'unexpected', 0), 60_000);
  },
);

t.test(
  'retrying: an outage is retried on that schedule, in virtual time, until Frappe answers',
  async (t) => {
    const clock = fakeClock(t);
    const calls: number[] = [];
    const deps = {
      retry: { initialMs: 1000, maxMs: 8000, slowMs: 60_000 },
      logger: pino({ level: 'silent' }),
      stats: newForwarderStats(),
      failures: { count: 0 },
    };
    const result = retrying(deps, 'batch', new AbortController().signal, async (attempt) => {
      calls.push(Date.now());
      if (attempt < 5)
        throw new FrappeError({
          status: 503,
          httpMethod: 'POST',
          path: '/api/method/frappe.client.insert_many',
        });
      return 'written';
    });
    await clock.tickAsync(60_000);
    t.equal(await result, 'written');
    const gaps = calls.slice(1).map((v, i) => v - calls[i]!);
    const bases = [1000, 2000, 4000, 8000, 8000];
    t.equal(gaps.length, 5);
    gaps.forEach((g, i) => {
      t.ok(g >= bases[i]! * 0.8 && g <= bases[i]! * 1.2, `wait ${i + 1}: ${g} ms ≈ ${bases[i]} ms`);
    });
    t.equal(deps.stats.retries, 5);
    t.equal(deps.failures.count, 0, 'a success ends the outage');
  },
);

t.test('key serialiser: one key in turn, other keys side by side', async (t) => {
  const clock = fakeClock(t);
  const serial = new KeySerial();
  const log: string[] = [];
  const task = (name: string, ms: number) => async () => {
    log.push(`${name} start ${Date.now()}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${name} end ${Date.now()}`);
    if (name === 'a2') throw new Error('a2 failed');
    return name;
  };
  const t0 = Date.now();
  const runs = [
    serial.run('emp-1', task('a1', 100)),
    serial.run('emp-1', task('a2', 50)).catch((e: Error) => e.message),
    serial.run('emp-1', task('a3', 10)),
    serial.run('emp-2', task('b1', 30)),
  ];
  await clock.tickAsync(1000);
  t.same(await Promise.all(runs), ['a1', 'a2 failed', 'a3', 'b1']);
  const rel = log.map((l) => l.replace(/\d+$/, (n) => String(Number(n) - t0)));
  t.same(rel, [
    'a1 start 0',
    'b1 start 0',
    'b1 end 30',
    'a1 end 100',
    'a2 start 100',
    'a2 end 150',
    'a3 start 150',
    'a3 end 160',
  ]);
});

t.test('confirmation timeout: 5 min, then doubling to the 1 h cap', async (t) => {
  t.same(
    [0, 1, 2, 3, 4, 5, 40].map((a) => confirmWaitMs(DEFAULT_CONFIRM, a) / 60_000),
    [5, 10, 20, 40, 60, 60, 60],
  );
});

t.test('disk guard: free space read at most once a second', { skip: tmpfsSkip }, async (t) => {
  const dir = tmpfsDir(t, '8m');
  const clock = fakeClock(t);
  const guard = new DiskGuard(dir, 3 << 20);
  await guard.check();
  writeFileSync(join(dir, 'filler'), Buffer.alloc(6 << 20));
  t.ok(freeBytes(dir) < 3 << 20, 'the disk is now under the floor');
  await clock.tickAsync(900);
  await t.resolves(guard.check(), 'within the second: the last reading stands');
  await clock.tickAsync(200);
  await t.rejects(
    guard.check(),
    { code: 'X05_DISK_FULL', floorBytes: 3 << 20 },
    'after it: read again and refused',
  );
});
