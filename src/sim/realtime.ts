import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { encodeRealtimeAttlog } from '../../protocol/zk/realtime-event.js';
import { formatWallTime } from '../../protocol/zk/time.js';
import type { SimDevice } from './device.js';
import type { EventLength } from './options.js';

/**
 * The EF_ATTLOG payload for a punch. Layouts with a numeric user field (10/12/14 bytes, old firmware) carry
 * the uid when the user id is not a number that fits (zk-tcp §12).
 */
export function realtimePayload(record: AttlogRecord, length: EventLength): Buffer {
  const numericMax = length === 12 ? 0xffffffff : 0xffff;
  const numeric = /^\d{1,10}$/.test(record.userId) && Number(record.userId) <= numericMax;
  const userId = length >= 32 || numeric ? record.userId : String(record.uid);
  return encodeRealtimeAttlog({ ...record, userId }, length);
}

/**
 * Staff punching at `rate` per second, from `delayS` on: each punch joins the log and goes out as an event
 * to every registered client. Users take turns; states alternate in/out. Punches are added per 10 ms tick
 * as many as are due, so rates above the timer's 1 ms floor (a flood) are kept. Returns a stop function.
 */
export function startPunching(device: SimDevice, rate: number, delayS = 0): () => void {
  if (rate <= 0 || device.users.length === 0) return () => {};
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const punchOnce = () => {
    const user = device.users[n % device.users.length]!;
    device.addPunch({
      uid: user.uid,
      userId: device.profile.recordSize === 8 ? String(user.uid) : user.userId,
      verify: 1,
      punch: Math.floor(n / device.users.length) % 2,
      deviceTime: formatWallTime(device.clock.now()),
      workcode: 0,
    });
    n++;
  };
  const start = setTimeout(() => {
    const began = performance.now();
    timer = setInterval(
      () => {
        const due = Math.floor(((performance.now() - began) / 1000) * rate);
        while (n < due) punchOnce();
      },
      Math.min(10, 1000 / rate),
    );
    timer.unref();
  }, delayS * 1000);
  start.unref();
  return () => {
    clearTimeout(start);
    clearInterval(timer);
  };
}
