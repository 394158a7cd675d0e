import type { FrameError, RecordError } from '../../protocol/errors.js';
import type { AttlogSlots } from '../../protocol/zk/attlog-dataset.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import { formatWallTimeIn, type PunchEvent, punchEventMaker, wallTimeToInstant } from '../event/index.js';
import type { ReadProgress } from './buffered-read.js';
import { DeviceIdentityError } from './errors.js';
import { type LogChange, type LogCursor, sliceNew, unchangedSince } from './log-cursor.js';
import { type NewSlots, PunchBatcher, type PunchBatchSink } from './punch-batches.js';
import { DeviceSession, type SessionOptions } from './session.js';
import { UidDirectory } from './uid-directory.js';

export interface PullOptions {
  host: string;
  port: number;
  site: string;
  timezone: string;
  timeoutMs: number;
  /** Name used until the serial is read (usually the configured name or host). */
  label?: string;
  /** Comm key set on the terminal (zk-tcp §5). */
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
  /** `udp` for older terminals that only answer datagrams (zk-tcp §14). Default `tcp`. */
  transport?: 'tcp' | 'udp';
  /** Configured serial: another terminal answering at this address fails before any punch is made. */
  expectedSerial?: string;
  /** Keeps the user list between syncs for uid-only layouts; without it the list is read each time. */
  uidDirectory?: UidDirectory;
  /** Slots turned into PunchEvents and handed to the sink at a time. Default BATCH_SLOTS. */
  batchSlots?: number;
  /**
   * Hand batches to the sink while the log arrives: each chunk's punches are made while the terminal sends
   * the next. For a sink that takes a batch quickly (a file), not a store that syncs each batch to disk: the
   * session lasts until the last batch is taken. The clock is then read before the log, since every punch
   * carries its offset.
   */
  batchesWhileReading?: boolean;
}

/** What one sync found and did; its punches went to the batch sink. */
export interface SyncReport {
  serial: string;
  freeSizes: FreeSizes;
  recordSize: AttlogRecordSize;
  /** How many new punches became events (all of the log's without a cursor). */
  newPunches: number;
  rejected: RecordError[];
  deviceTime: string;
  /** Device clock minus gateway clock, seconds, measured with the device's zone applied. */
  clockOffsetS: number | null;
  /** Where the log stands after this read: the cursor stored with the last batch. */
  cursor: LogCursor;
  /** Slots already read (before the cursor), neither decoded nor turned into events again. */
  skipped: number;
  /** The read was skipped: the record count had not moved since the cursor. */
  unchanged: boolean;
  change: LogChange;
  /** The device clock was set during this sync. */
  clockSet: boolean;
}

export interface PullResult extends SyncReport {
  /** The new punches (all of them without a cursor). */
  events: PunchEvent[];
}

/** A sync's exchanges with the terminal, before any punch is made of the log read. */
export interface LogRead extends NewSlots {
  freeSizes: FreeSizes;
  /** Cleared or wrapped since the cursor: every slot is new again (`from` 0). */
  change: LogChange;
  /** The cursor the read started from. */
  since: LogCursor | undefined;
  unchanged: boolean;
  deviceTime: string;
  /** Device clock minus gateway clock, seconds, measured with the device's zone applied. */
  clockOffsetS: number;
  clockSet: boolean;
  /** User ids by uid, when the log's layout carries only the uid. */
  userIds: ReadonlyMap<number, string> | undefined;
  /** Took new slots as they arrived (batchesWhileReading); hands over the rest. */
  batcher: PunchBatcher | undefined;
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

/**
 * One complete sync: connect, serial, counts, the log (or what is new in it), the clock (before the log with
 * batchesWhileReading), goodbye; then the new punches to `sink` a batch at a time, each batch with the
 * cursor that covers it (punch-batches.ts). The terminal serves one client at a time, so the session ends
 * before the first batch is stored, unless the sink takes batches as the log arrives (batchesWhileReading).
 */
export async function syncDevice(opts: PullOptions, sink: PunchBatchSink): Promise<SyncReport> {
  const label = opts.label ?? `${opts.host}:${opts.port}`;
  const session = await DeviceSession.open(sessionOptions(opts, label));
  let read: LogRead;
  try {
    const serial = await identify(session, label);
    requireSerial(opts, serial);
    read = await readLog(session, serial, opts, opts.batchesWhileReading ? sink : undefined);
    await session.exit();
  } catch (err) {
    session.close();
    throw err;
  }
  return sendLog(read, opts, sink);
}

/** One complete download with every new punch in the result (the `pull` command). */
export function pullDevice(opts: PullOptions): Promise<PullResult> {
  return collect((sink) => syncDevice(opts, sink));
}

/** Keeps every batch a sync sends, for a caller that wants the new punches in one array. */
export async function collect(sync: (sink: PunchBatchSink) => Promise<SyncReport>): Promise<PullResult> {
  const events: PunchEvent[] = [];
  const report = await sync(async (batch) => {
    events.push(...batch.events);
  });
  return { ...report, events };
}

/** Reads the serial and names the session after it; an empty serial falls back to the label (§7.1). */
export async function identify(session: DeviceSession, label: string): Promise<string> {
  const serial = (await session.option('~SerialNumber')) || label;
  session.device = serial;
  return serial;
}

/** A terminal with another serial at the configured address is refused (design.md). */
export function requireSerial(opts: PullOptions, serial: string): void {
  if (opts.expectedSerial && serial !== opts.expectedSerial)
    throw new DeviceIdentityError(`${opts.host}:${opts.port}`, opts.expectedSerial, serial);
}

/**
 * Counts, the attendance log unless its count is unchanged since the cursor, and the clock, on an open
 * session. Given `sink`, the clock comes before the log, and the new slots go to the sink as they arrive.
 */
export async function readLog(
  session: DeviceSession,
  serial: string,
  opts: PullOptions,
  sink?: PunchBatchSink,
): Promise<LogRead> {
  const since = await opts.since?.(serial);
  const freeSizes = await session.freeSizes();
  const unchanged = since !== undefined && unchangedSince(since, freeSizes);
  const early = sink && !unchanged ? { sink, clock: await readClock(session, opts) } : undefined;
  const batcher = early && newBatcher(serial, since, early.clock.clockOffsetS, opts, early.sink);
  const read = () =>
    session.attendance({
      ...(freeSizes.records === undefined ? {} : { count: freeSizes.records }),
      ...(opts.recordSize ? { recordSize: opts.recordSize } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(batcher ? { onSlots: (log: AttlogSlots, slots: number) => batcher.arrived(log, slots) } : {}),
    });
  const log: AttlogSlots | undefined = unchanged
    ? undefined
    : opts.disableDuringRead
      ? await session.whileDisabled(read)
      : await read();
  const slice = log
    ? sliceNew(log, since)
    : { from: since!.records, change: 'none' as const, cursor: since! };
  // 8-byte records carry the uid alone: the user list says whose it is (zk-tcp §11.5)
  const userIds =
    log?.recordSize === 8
      ? await (opts.uidDirectory ?? new UidDirectory()).userIds(session, freeSizes.users)
      : undefined;
  const clock = early?.clock ?? (await readClock(session, opts));
  return { serial, freeSizes, log, since, unchanged, ...clock, userIds, batcher, ...slice };
}

/** The device clock and its drift; the device is set to the gateway's time when asked and off by more. */
async function readClock(
  session: DeviceSession,
  opts: PullOptions,
): Promise<{ deviceTime: string; clockOffsetS: number; clockSet: boolean }> {
  const { deviceTime, clockOffsetS } = await measureClock(session, opts.timezone);
  let clockSet = false;
  if (opts.setTime && Math.abs(clockOffsetS) > (opts.setTimeAboveS ?? 1)) {
    await session.setTime(formatWallTimeIn(Date.now(), opts.timezone).replace(' ', 'T'));
    clockSet = true;
  }
  return { deviceTime, clockOffsetS, clockSet };
}

/** Batches of one read's punches, all of them stamped alike (device, site, zone, receipt, clock offset). */
function newBatcher(
  serial: string,
  since: LogCursor | undefined,
  clockOffsetS: number,
  opts: Pick<PullOptions, 'site' | 'timezone' | 'batchSlots'>,
  sink: PunchBatchSink,
): PunchBatcher {
  const make = punchEventMaker({
    deviceId: serial,
    site: opts.site,
    timezone: opts.timezone,
    source: 'pull',
    receivedAt: new Date(),
    clockOffsetS,
  });
  return new PunchBatcher(serial, since, make, sink, opts.batchSlots);
}

/** The read's new punches to `sink`, batch by batch (those not handed over while it arrived), and what the sync found. */
export async function sendLog(
  read: LogRead,
  opts: Pick<PullOptions, 'site' | 'timezone' | 'batchSlots'>,
  sink: PunchBatchSink,
): Promise<SyncReport> {
  const batcher = read.batcher ?? newBatcher(read.serial, read.since, read.clockOffsetS, opts, sink);
  const { punches, rejected } = await batcher.finish(read, read.userIds);
  return {
    serial: read.serial,
    freeSizes: read.freeSizes,
    recordSize: (read.log?.recordSize ?? read.since?.record_size ?? 40) as AttlogRecordSize,
    newPunches: punches,
    rejected,
    deviceTime: read.deviceTime,
    clockOffsetS: read.clockOffsetS,
    cursor: read.cursor,
    skipped: read.from,
    unchanged: read.unchanged,
    change: read.change,
    clockSet: read.clockSet,
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
