import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Where a punch was first seen (design.md, PunchEvent). */
export const PunchSource = z.enum(['pull', 'realtime', 'push', 'file']);
export type PunchSource = z.infer<typeof PunchSource>;

const WALL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** The one normalized event every source produces; its JSON form is the MQTT payload. */
export const PunchEventSchema = z
  .object({
    v: z.literal(1),
    id: z.string().regex(/^[0-9a-f]{40}$/),
    device_id: z.string().min(1),
    site: z.string().min(1),
    user_id: z.string().min(1),
    device_time: z.string().regex(WALL_TIME),
    timezone: z.string().min(1),
    punch: z.number().int().min(0).max(255),
    verify: z.number().int().min(0).max(255),
    source: PunchSource,
    received_at: z.iso.datetime(),
    clock_offset_s: z.number().nullable(),
    raw: z.string().regex(/^([0-9a-f]{2})*$/),
  })
  .strict();

export type PunchEvent = z.infer<typeof PunchEventSchema>;

/** sha1 of `device_id|user_id|device_time|punch` with the time as `YYYY-MM-DD HH:MM:SS` (design.md). */
export function punchEventId(deviceId: string, userId: string, deviceTime: string, punch: number): string {
  const time = deviceTime.replace('T', ' ');
  return createHash('sha1').update(`${deviceId}|${userId}|${time}|${punch}`).digest('hex');
}

export interface PunchFacts {
  deviceId: string;
  site: string;
  userId: string;
  deviceTime: string;
  timezone: string;
  punch: number;
  verify: number;
  source: PunchSource;
  receivedAt: Date;
  clockOffsetS: number | null;
  raw: Uint8Array | string;
}

export function makePunchEvent(f: PunchFacts): PunchEvent {
  return {
    v: 1,
    id: punchEventId(f.deviceId, f.userId, f.deviceTime, f.punch),
    device_id: f.deviceId,
    site: f.site,
    user_id: f.userId,
    device_time: f.deviceTime,
    timezone: f.timezone,
    punch: f.punch,
    verify: f.verify,
    source: f.source,
    received_at: f.receivedAt.toISOString(),
    clock_offset_s: f.clockOffsetS,
    raw:
      typeof f.raw === 'string'
        ? Buffer.from(f.raw, 'utf8').toString('hex')
        : Buffer.from(f.raw).toString('hex'),
  };
}
