import { makePunchEvent, type PunchEvent } from '../../src/event/punch-event.js';

/** N distinct punches for one device, one minute apart, alternating in/out. */
export function samplePunches(n: number, deviceId = 'SIM0001', site = 'test', startMinute = 0): PunchEvent[] {
  const base = Date.UTC(2024, 2, 15, 8, 0, 0);
  return Array.from({ length: n }, (_, i) => {
    const t = new Date(base + (startMinute + i) * 60_000).toISOString().slice(0, 19);
    return makePunchEvent({
      deviceId,
      site,
      userId: String(1001 + (i % 50)),
      deviceTime: t,
      timezone: 'Asia/Kolkata',
      punch: i % 2,
      verify: 1,
      source: 'pull',
      receivedAt: new Date(),
      clockOffsetS: 0,
      raw: Buffer.from([i & 0xff]),
    });
  });
}
