import { pino } from 'pino';
import type { Test } from 'tap';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { punchEventId } from '../../src/event/punch-event.js';
import { startSimulator } from '../../src/sim/index.js';

export const PUNCHES = 20_000;
const silent = pino({ level: 'silent' });

/** A terminal with 20,000 punches and what a correct pipeline must deliver from it, in log order. */
export async function terminal(t: Test, serial: string) {
  const sim = await startSimulator({
    records: PUNCHES,
    users: 100,
    serial,
    seed: serial.length,
    logger: silent,
  });
  t.teardown(() => sim.stop());
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const r of sim.device.records) {
    const id = punchEventId(serial, r.userId, r.deviceTime, r.punch);
    if (!seen.has(id)) ids.push(id);
    seen.add(id);
  }
  return { sim, ids };
}

/** Every id exactly once (redeliveries counted, not failed), nothing invented, first arrivals in log order. */
export function checkDelivery(t: Test, received: PunchEvent[], expected: string[]) {
  const firstSeen: string[] = [];
  const counts = new Map<string, number>();
  for (const e of received) {
    const n = counts.get(e.id) ?? 0;
    if (n === 0) firstSeen.push(e.id);
    counts.set(e.id, n + 1);
  }
  const expectedSet = new Set(expected);
  const missing = expected.filter((id) => !counts.has(id));
  const invented = [...counts.keys()].filter((id) => !expectedSet.has(id));
  const redelivered = received.length - counts.size;
  t.equal(missing.length, 0, `no punch missing (${missing.length})`);
  t.equal(invented.length, 0, `no punch invented (${invented.length})`);
  t.same(firstSeen, expected, 'first arrivals in the order of the device log');
  t.comment(`${counts.size} distinct punches received, ${redelivered} redelivered duplicates on the wire`);
}
