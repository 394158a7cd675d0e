/**
 * Push ingest: a simulated push-mode terminal uploads its backlog to the receiver, which stores every
 * batch (one synced LevelDB write) before answering `OK: n`. Figures: lines/s with HTTP keep-alive (newer
 * firmware) vs one connection per request (old firmware, adms-push §2.1), and the store alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startPushServer } from '../src/push/push-server.js';
import { startPushTerminal } from '../src/sim/push-terminal.js';
import { PunchStore } from '../src/store/punch-store.js';
import { type BenchResult, figure } from './result.js';

const LINES = Number(process.env.BENCH_PUSH_LINES ?? 20_000);
const BATCH = 128;
const silent = pino({ level: 'silent' });

async function ingest(dir: string, keepAlive: boolean): Promise<number> {
  const store = await PunchStore.open(dir);
  const server = await startPushServer({
    site: 'bench',
    devices: [{ serial: 'BENCH-PUSH', timezone: 'UTC' }],
    sink: store,
    logger: silent,
  });
  const t0 = performance.now();
  const term = await startPushTerminal({
    url: server.url,
    serial: 'BENCH-PUSH',
    records: LINES,
    users: 200,
    seed: 3,
    batchSize: BATCH,
    keepAlive,
    pollMs: 60_000,
    retryMs: 100,
  });
  await term.whenIdle();
  const s = (performance.now() - t0) / 1000;
  if (server.counters.stored !== LINES) throw new Error(`stored ${server.counters.stored} of ${LINES}`);
  await term.stop();
  await server.stop();
  await store.close();
  return LINES / s;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-push-'));
  try {
    const close = await ingest(join(dir, 'close'), false);
    const keep = await ingest(join(dir, 'keep'), true);
    // the store alone, same batch size: the floor the HTTP path adds to
    const store = await PunchStore.open(join(dir, 'store'));
    const { makePunchEvent } = await import('../src/event/punch-event.js');
    const events = Array.from({ length: LINES }, (_, i) =>
      makePunchEvent({
        deviceId: 'BENCH-PUSH',
        site: 'bench',
        userId: String(1000 + (i % 200)),
        deviceTime: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().slice(0, 19),
        timezone: 'UTC',
        punch: 0,
        verify: 1,
        source: 'push',
        receivedAt: new Date(),
        clockOffsetS: null,
        raw: 'x',
      }),
    );
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await store.accept(events.slice(i, i + BATCH));
    const storeOnly = LINES / ((performance.now() - t0) / 1000);
    await store.close();
    return [
      figure(`push ingest, keep-alive, ${BATCH}-line posts`, keep, 'lines/s', {
        name: 'one connection per post',
        value: close,
      }),
      figure(`push ingest, one connection per post`, close, 'lines/s'),
      figure(`push ingest vs the store alone (${BATCH}-event synced batches)`, keep, 'lines/s', {
        name: 'store.accept only',
        value: storeOnly,
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
