import type { FrameError, RecordError } from '../../protocol/errors.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import { makePunchEvent, type PunchEvent } from '../event/punch-event.js';
import { wallTimeToInstant } from '../event/wall-clock.js';
import type { ReadProgress } from './buffered-read.js';
import { DeviceSession } from './session.js';

export interface PullOptions {
  host: string;
  port: number;
  site: string;
  timezone: string;
  timeoutMs: number;
  /** Name used until the serial is read (usually the configured name or host). */
  label?: string;
  recordSize?: AttlogRecordSize;
  onProgress?: (p: ReadProgress) => void;
  onFrameError?: (err: FrameError) => void;
}

export interface PullResult {
  serial: string;
  freeSizes: FreeSizes;
  recordSize: AttlogRecordSize;
  events: PunchEvent[];
  rejected: RecordError[];
  deviceTime: string;
  /** Device clock minus gateway clock, seconds, measured with the device's zone applied. */
  clockOffsetS: number | null;
}

/** One complete download: connect, serial, counts, the whole log, the clock, goodbye. */
export async function pullDevice(opts: PullOptions): Promise<PullResult> {
  const label = opts.label ?? `${opts.host}:${opts.port}`;
  const session = await DeviceSession.open({
    host: opts.host,
    port: opts.port,
    device: label,
    timeoutMs: opts.timeoutMs,
    ...(opts.onFrameError ? { onFrameError: opts.onFrameError } : {}),
  });
  try {
    // an empty serial happens (SpeedFace-V5L, zk-tcp.md §7.1): fall back to the configured identity
    const serial = (await session.option('~SerialNumber')) || label;
    session.device = serial;
    const freeSizes = await session.freeSizes();
    const log = await session.attendance({
      ...(freeSizes.records === undefined ? {} : { count: freeSizes.records }),
      ...(opts.recordSize ? { recordSize: opts.recordSize } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const before = Date.now();
    const deviceTime = await session.deviceTime();
    // drift against the midpoint of the GET_TIME round trip, with the device zone applied
    const deviceMs = wallTimeToInstant(deviceTime, opts.timezone);
    const clockOffsetS = Math.round((deviceMs - (before + Date.now()) / 2) / 1000);
    await session.exit();
    const receivedAt = new Date();
    const events = log.records.map((r) =>
      makePunchEvent({
        deviceId: serial,
        site: opts.site,
        userId: r.userId,
        deviceTime: r.deviceTime,
        timezone: opts.timezone,
        punch: r.punch,
        verify: r.verify,
        source: 'pull',
        receivedAt,
        clockOffsetS,
        raw: r.raw,
      }),
    );
    return {
      serial,
      freeSizes,
      recordSize: log.recordSize,
      events,
      rejected: log.rejected,
      deviceTime,
      clockOffsetS,
    };
  } catch (err) {
    session.close();
    throw err;
  }
}
