import type { MqttClient } from 'mqtt';
import { makePunchEvent } from '../../src/event/index.js';
import { encodePunchEvent } from '../../src/payload/index.js';

/**
 * Publishes `count` punches of terminal `device` (default X05-1) at `site` as a gateway would (QoS 1, the
 * punch topic), the i-th at 2024-05-01 08:i:00 UTC; `userOf(i)` picks the device user (default `1`).
 */
export async function publishPunches(
  client: MqttClient,
  site: string,
  count: number,
  o: { from?: number; userOf?: (i: number) => string; device?: string } = {},
): Promise<void> {
  const from = o.from ?? 0;
  const device = o.device ?? 'X05-1';
  for (let i = from; i < from + count; i++) {
    const e = makePunchEvent({
      deviceId: device,
      site,
      userId: o.userOf?.(i) ?? '1',
      deviceTime: `2024-05-01T08:${String(i).padStart(2, '0')}:00`,
      timezone: 'UTC',
      punch: 0,
      verify: 1,
      source: 'pull',
      receivedAt: new Date('2024-05-01T09:00:00Z'),
      clockOffsetS: null,
      raw: '',
    });
    await client.publishAsync(`x05/v1/${site}/${device}/punch`, encodePunchEvent(e), { qos: 1 });
  }
}
