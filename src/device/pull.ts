import type { FrameError, RecordError } from '../../protocol/errors.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import { type PunchEvent, punchEventMaker } from '../event/punch-event.js';
import { formatWallTimeIn, wallTimeToInstant } from '../event/wall-clock.js';
import type { ReadProgress } from './buffered-read.js';
import { type LogChange, type LogCursor, sliceNew, unchangedSince } from './log-cursor.js';
import { DeviceSession, type SessionOptions } from './session.js';

export interface PullOptions {
  host: string;
  port: number;
  site: string;
  timezone: string;
  timeoutMs: number;
  /** Name used until the serial is read (usually the configured name or host). */
  label?: string;
  /** Comm key set on the terminal (zk-tcp.md §5). */
  commKey?: number;
  recordSize?: AttlogRecordSize;
  /** Cursor of the last stored sync: only records past it become events (incremental sync). */
  since?: (serial: string) => Promise<LogCursor | undefined>;
  /** Set the device clock to the gateway's (NTP-synced) time when it is off by more than `setTimeAboveS`. */
  setTime?: boolean;
  setTimeAboveS?: number;
  onProgress?: (p: ReadProgress) => void;
  onFrameError?: (err: FrameError) => void;
  /** Every byte crossing the socket, for recording the session to a capture (`pull --capture`). */
  onBytes?: (direction: 'in' | 'out', bytes: Buffer) => void;
  /** Aborting ends the session at once (gateway shutdown). */
  signal?: AbortSignal;
  /** Disable the terminal around the bulk read (vendor flow, §9.5); re-enabled in finally and on connect. */
  disableDuringRead?: boolean;
  /** `udp` for older terminals that only answer datagrams (zk-tcp.md §14). Default `tcp`. */
  transport?: 'tcp' | 'udp';
}

export interface PullResult {
  serial: string;
  freeSizes: FreeSizes;
  recordSize: AttlogRecordSize;
  /** The new punches (all of them without a cursor). */
  events: PunchEvent[];
  rejected: RecordError[];
  deviceTime: string;
  /** Device clock minus gateway clock, seconds, measured with the device's zone applied. */
  clockOffsetS: number | null;
  /** Where the log stands after this read; store it with the events. */
  cursor: LogCursor;
  /** Records already held (before the cursor) and not turned into events again. */
  skipped: number;
  /** The read was skipped: the record count had not moved since the cursor. */
  unchanged: boolean;
  change: LogChange;
  /** The device clock was set during this sync. */
  clockSet: boolean;
}

export function sessionOptions(opts: PullOptions, label: string): SessionOptions {
  return {
    host: opts.host,
    port: opts.port,
    device: label,
    timeoutMs: opts.timeoutMs,
    ...(opts.commKey ? { commKey: opts.commKey } : {}),
    ...(opts.onFrameError ? { onFrameError: opts.onFrameError } : {}),
    ...(opts.onBytes ? { onBytes: opts.onBytes } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.transport ? { transport: opts.transport } : {}),
  };
}

/** One complete download: connect, serial, counts, the log (or what is new in it), the clock, goodbye. */
export async function pullDevice(opts: PullOptions): Promise<PullResult> {
  const label = opts.label ?? `${opts.host}:${opts.port}`;
  const session = await DeviceSession.open(sessionOptions(opts, label));
  try {
    const serial = await identify(session, label);
    const result = await readLog(session, serial, opts);
    await session.exit();
    return result;
  } catch (err) {
    session.close();
    throw err;
  }
}

/** Reads the serial and names the session after it; an empty serial falls back to the label (§7.1). */
export async function identify(session: DeviceSession, label: string): Promise<string> {
  const serial = (await session.option('~SerialNumber')) || label;
  session.device = serial;
  return serial;
}

/** Counts, the attendance log past the cursor, and the clock, on an open session. */
export async function readLog(
  session: DeviceSession,
  serial: string,
  opts: PullOptions,
): Promise<PullResult> {
  const since = await opts.since?.(serial);
  const freeSizes = await session.freeSizes();
  const unchanged = since !== undefined && unchangedSince(since, freeSizes);
  const read = () =>
    session.attendance({
      ...(freeSizes.records === undefined ? {} : { count: freeSizes.records }),
      ...(opts.recordSize ? { recordSize: opts.recordSize } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  const log = unchanged
    ? undefined
    : opts.disableDuringRead
      ? await session.whileDisabled(read)
      : await read();
  const slice = log ? sliceNew(log, since) : { from: 0, change: 'none' as const, cursor: since! };
  const { deviceTime, clockOffsetS } = await measureClock(session, opts.timezone);
  let clockSet = false;
  if (opts.setTime && Math.abs(clockOffsetS) > (opts.setTimeAboveS ?? 1)) {
    await session.setTime(formatWallTimeIn(Date.now(), opts.timezone).replace(' ', 'T'));
    clockSet = true;
  }
  const make = punchEventMaker({
    deviceId: serial,
    site: opts.site,
    timezone: opts.timezone,
    source: 'pull',
    receivedAt: new Date(),
    clockOffsetS,
  });
  // one loop, no filtered copy of the records, no facts object and no Buffer view per punch: 100,000 records
  // on a full read
  const events: PunchEvent[] = [];
  if (log) {
    const { recordBytes: bytes, recordSize: size } = log;
    for (const r of log.records)
      if (r.index >= slice.from)
        events.push(make(r, bytes.toString('hex', r.index * size, (r.index + 1) * size)));
  }
  return {
    serial,
    freeSizes,
    recordSize: (log?.recordSize ?? since?.record_size ?? 40) as AttlogRecordSize,
    events,
    rejected: log ? log.rejected.filter((e) => e.index >= slice.from) : [],
    deviceTime,
    clockOffsetS,
    cursor: slice.cursor,
    skipped: log ? log.records.length - events.length : (since?.records ?? 0),
    unchanged,
    change: slice.change,
    clockSet,
  };
}

/** Device time and drift against the midpoint of the GET_TIME round trip, device zone applied. */
export async function measureClock(
  session: DeviceSession,
  timezone: string,
): Promise<{ deviceTime: string; clockOffsetS: number }> {
  const before = Date.now();
  const deviceTime = await session.deviceTime();
  const deviceMs = wallTimeToInstant(deviceTime, timezone);
  return { deviceTime, clockOffsetS: Math.round((deviceMs - (before + Date.now()) / 2) / 1000) };
}
