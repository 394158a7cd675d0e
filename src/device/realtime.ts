import { setTimeout as sleep } from 'node:timers/promises';
import { RecordError } from '../../protocol/errors.js';
import { decodeRealtimeAttlog, EventFlag } from '../../protocol/zk/realtime-event.js';
import { makePunchEvent, type PunchEvent } from '../event/index.js';
import {
  collect,
  identify,
  measureClock,
  type PullOptions,
  type PullResult,
  readLog,
  requireSerial,
  type SyncReport,
  sendLog,
  sessionOptions,
} from './pull.js';
import type { PunchBatchSink } from './punch-batches.js';
import { type IntakeLimits, RealtimeIntake } from './realtime-intake.js';
import { DeviceSession } from './session.js';

interface RealtimeSettings extends PullOptions {
  /** Idle probe period: GET_TIME every this many ms; a dead link fails within heartbeatMs + timeoutMs. */
  heartbeatMs: number;
  /**
   * EF_ATTLOG events as PunchEvents (source realtime), in arrival order, in batches; one call at a time,
   * and reading pauses while many wait (realtime-intake.ts). A rejection ends the session.
   */
  onPunches: (events: PunchEvent[]) => Promise<void>;
  /** Intake bounds; the defaults suit a gateway. */
  intake?: Partial<IntakeLimits>;
  onRejected?: (err: RecordError) => void;
  onClock?: (clockOffsetS: number) => void;
  signal: AbortSignal;
}

/**
 * Where the catch-up read done right after registering goes: batch by batch to `onBatch`, each batch with
 * the cursor that covers it (the gateway's store), then its report to `onSynced`; or, without `onBatch`,
 * every new punch in one PullResult to `onSynced`. Either resolves once stored.
 */
type CatchUp =
  | { onBatch: PunchBatchSink; onSynced: (r: SyncReport) => Promise<void> }
  | { onBatch?: undefined; onSynced: (r: PullResult) => Promise<void> };

export type RealtimeOptions = RealtimeSettings & CatchUp;

/**
 * One realtime session (zk-tcp §12): connect (comm key), serial, CMD_REG_EVENT for EF_ATTLOG, then a
 * catch-up read of the log on the same connection, so punches made while no session was registered (gap,
 * restart, outage) are filled and those made during the read arrive as events; the event id keeps a punch
 * seen both ways to one row. Every event is acknowledged with ACK_OK (session ours, reply id 0) before it is
 * decoded. There is no protocol heartbeat, so an idle GET_TIME probe finds a dead or half-open link.
 * Resolves when `signal` aborts, once every event received is stored; rejects with the typed error that
 * ended the link or the intake.
 */
export async function runRealtimeSession(opts: RealtimeOptions): Promise<void> {
  const label = opts.label ?? `${opts.host}:${opts.port}`;
  let serial = label;
  let clockOffsetS: number | null = null;
  let session: DeviceSession | undefined;
  // ends the idle loop when the intake fails (a store error, an overflow on UDP)
  const ended = new AbortController();
  const signal = AbortSignal.any([opts.signal, ended.signal]);
  let intake: RealtimeIntake | undefined;
  const onEvent = (p: { session: number; data: Buffer }) => {
    session?.ackEvent();
    // the session field carries the event code; only EF_ATTLOG is a punch
    if (p.session !== EventFlag.ATTLOG) return;
    try {
      const e = decodeRealtimeAttlog(p.data);
      intake?.push(
        makePunchEvent({
          deviceId: serial,
          site: opts.site,
          userId: e.userId,
          deviceTime: e.deviceTime,
          timezone: opts.timezone,
          punch: e.punch,
          verify: e.verify,
          source: 'realtime',
          receivedAt: new Date(),
          clockOffsetS,
          raw: e.raw,
        }),
      );
    } catch (err) {
      if (err instanceof RecordError) opts.onRejected?.(err);
      else throw err;
    }
  };
  session = await DeviceSession.open({ ...sessionOptions(opts, label), onEvent });
  intake = new RealtimeIntake(
    () => serial,
    opts.onPunches,
    session.readFlow,
    (err) => ended.abort(err),
    opts.intake,
  );
  try {
    serial = await identify(session, label);
    requireSerial(opts, serial);
    await session.registerEvents(EventFlag.ATTLOG);
    const read = await readLog(session, serial, opts);
    clockOffsetS = read.clockOffsetS;
    if (opts.onBatch) await opts.onSynced(await sendLog(read, opts, opts.onBatch));
    else await opts.onSynced(await collect((sink) => sendLog(read, opts, sink)));
    while (!signal.aborted) {
      const woke = await sleep(opts.heartbeatMs, true, { signal }).catch(() => false);
      if (!woke) break;
      clockOffsetS = (await measureClock(session, opts.timezone)).clockOffsetS;
      opts.onClock?.(clockOffsetS);
    }
    await intake.close();
    await session.exit().catch(() => {});
  } finally {
    session.close();
  }
}
