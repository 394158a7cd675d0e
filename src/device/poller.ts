import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import type { PunchSink } from '../event/index.js';
import { isLogCursor } from './log-cursor.js';
import { type PullOptions, type SyncReport, syncDevice } from './pull.js';
import type { PunchBatch } from './punch-batches.js';
import { runRealtimeSession } from './realtime.js';
import { type AddressStatus, TerminalAddress } from './terminal-address.js';
import { UidDirectory } from './uid-directory.js';

export interface DeviceStatus extends Partial<AddressStatus> {
  device: string;
  state: 'online' | 'error';
  last_sync: string;
  records: number;
  stored: number;
  rejected: number;
  clock_offset_s: number | null;
  /** |clock_offset_s| is above the configured threshold. */
  clock_warning?: boolean;
  error?: string;
  /** The configured name (else serial or address), how the gateway reaches it, and its zone. */
  name?: string;
  mode?: 'PULL' | 'PUSH';
  timezone?: string;
}

export interface PollerOptions {
  host: string;
  port: number;
  site: string;
  timezone: string;
  timeoutMs: number;
  intervalMs: number;
  /** Configured serial: a different terminal answering at this address is refused (design.md). */
  expectedSerial?: string;
  recordSize?: AttlogRecordSize;
  commKey?: number;
  /** `udp` for UDP-only terminals (zk-tcp §14). Default `tcp`. */
  transport?: 'tcp' | 'udp';
  /** Keep a session open with CMD_REG_EVENT instead of polling; a catch-up read follows every connect. */
  realtime?: boolean;
  /** Realtime idle probe period (default 30 s). */
  heartbeatMs?: number;
  /** Warn when the device clock is off by more than this many seconds (default 60). */
  driftWarnS?: number;
  /** Set the device clock from the gateway's when it drifts past `driftWarnS` (off by default). */
  setTime?: boolean;
  /** Cap of the reconnect backoff (default 5 min). */
  maxBackoffMs?: number;
  /** How often a live realtime session sends its status again (REALTIME_STATUS_MS). */
  realtimeStatusMs?: number;
  /**
   * Where to look for the terminal when it stops answering at its address or another serial answers there
   * (a new DHCP lease): CIDR blocks, ranges or hosts (address-range.ts). Needs `expectedSerial`.
   */
  discover?: readonly string[];
  /** Connect and answer timeout of each discovery probe (default 1000 ms). */
  discoveryTimeoutMs?: number;
  /** Discovery probes at once (default 16). */
  discoveryConcurrency?: number;
  label: string;
  sink: PunchSink;
  logger: Logger;
  onStatus?: (s: DeviceStatus) => void;
}

const MAX_BACKOFF_MS = 5 * 60_000;
/**
 * A realtime session syncs once at connect and then only hears events: its heartbeat re-sends the status
 * this often, so the forwarder (devices.stale_after_s) does not take a live terminal for a silent one.
 */
const REALTIME_STATUS_MS = 5 * 60_000;

/**
 * Keeps one terminal synced: polls on a schedule, or holds a realtime session. Failures back off
 * exponentially with jitter, capped, and never stop the loop; each poller runs on its own, so one slow or
 * dead terminal never delays the others.
 */
export class DevicePoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** The terminal's user list, for uid-only layouts: read once, again only when its user count changes. */
  private readonly uidDirectory = new UidDirectory();
  private clockWarned = false;
  /** Where the terminal is reached now: the configured host until discovery finds it elsewhere. */
  private readonly where: TerminalAddress;
  private lastStatus: DeviceStatus | undefined;

  constructor(private readonly opts: PollerOptions) {
    this.where = new TerminalAddress({
      host: opts.host,
      port: opts.port,
      serial: opts.expectedSerial,
      discover: opts.discover,
      logger: opts.logger,
      signal: this.abort.signal,
      ...(opts.discoveryTimeoutMs ? { timeoutMs: opts.discoveryTimeoutMs } : {}),
      ...(opts.discoveryConcurrency ? { concurrency: opts.discoveryConcurrency } : {}),
      ...(opts.transport ? { transport: opts.transport } : {}),
      ...(opts.commKey ? { commKey: opts.commKey } : {}),
      cursor: (serial: string) => opts.sink.cursor(serial),
    });
  }

  /** `host:port` the terminal is reached at now. */
  get address(): string {
    return this.where.address;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private pullOptions(): PullOptions {
    const o = this.opts;
    return {
      host: this.where.host,
      port: o.port,
      site: o.site,
      timezone: o.timezone,
      timeoutMs: o.timeoutMs,
      label: o.label,
      ...(o.commKey ? { commKey: o.commKey } : {}),
      ...(o.transport ? { transport: o.transport } : {}),
      ...(o.recordSize ? { recordSize: o.recordSize } : {}),
      ...(o.setTime ? { setTime: true, setTimeAboveS: o.driftWarnS ?? 60 } : {}),
      ...(o.expectedSerial ? { expectedSerial: o.expectedSerial } : {}),
      uidDirectory: this.uidDirectory,
      since: async (serial) => {
        const c = await o.sink.cursor(serial);
        return isLogCursor(c) ? c : undefined;
      },
      onFrameError: (err) => o.logger.warn({ err, device: o.label }, 'bad frame from terminal skipped'),
      signal: this.abort.signal,
    };
  }

  /**
   * Stores a batch of a sync's new punches together with the cursor covering them, the cursor durable only
   * once they are (design.md durability rules); with discovery the cursor also keeps where the terminal was
   * reached (TerminalAddress.cursorFields). Resolves with how many were new to the store.
   */
  private async store(batch: PunchBatch): Promise<number> {
    // a stop ends the sync between two batches rather than after the whole log: the batches stored so far
    // and their cursor stand, and the next sync starts after them
    this.abort.signal.throwIfAborted();
    const { stored } = await this.opts.sink.accept(batch.events, {
      cursor: { device: batch.serial, value: { ...batch.cursor, ...this.where.cursorFields() } },
    });
    return stored;
  }

  /** One sync into the sink; resolves with what was stored. Follows a terminal that moved (discover). */
  syncOnce(): Promise<{ result: SyncReport; stored: number }> {
    return this.where.follow(async () => {
      let stored = 0;
      const result = await syncDevice(this.pullOptions(), async (batch) => {
        stored += await this.store(batch);
      });
      this.report(result, stored);
      return { result, stored };
    });
  }

  private report(result: SyncReport, stored: number): void {
    const o = this.opts;
    for (const err of result.rejected) o.logger.warn({ err, device: result.serial }, 'record rejected');
    const clockWarning = this.checkClock(result.serial, result.clockOffsetS);
    if (result.change !== 'none')
      o.logger.warn({ device: result.serial, change: result.change }, 'device log was cleared or wrapped');
    o.logger.info(
      {
        device: result.serial,
        records: result.cursor.records,
        new: result.newPunches,
        skipped: result.skipped,
        unchanged: result.unchanged,
        stored,
        rejected: result.rejected.length,
        clock_offset_s: result.clockOffsetS,
        clock_set: result.clockSet,
      },
      'sync done',
    );
    this.emit({
      device: result.serial,
      state: 'online',
      last_sync: new Date().toISOString(),
      records: result.cursor.records,
      stored,
      rejected: result.rejected.length,
      clock_offset_s: result.clockOffsetS,
      clock_warning: clockWarning,
      ...this.where.status(),
    });
  }

  private emit(s: DeviceStatus): void {
    const o = this.opts;
    this.lastStatus = { ...s, name: o.label, mode: 'PULL', timezone: o.timezone };
    o.onStatus?.(this.lastStatus);
  }

  /** Drift is published as a figure every sync and warned about past the threshold. */
  private checkClock(device: string, offset: number | null, everyTime = true): boolean {
    const limit = this.opts.driftWarnS ?? 60;
    const warn = offset !== null && Math.abs(offset) > limit;
    // the realtime probe measures every heartbeat: warn there only when the drift first passes the limit
    const changed = warn !== this.clockWarned;
    this.clockWarned = warn;
    if (warn && (everyTime || changed))
      this.opts.logger.warn({ device, clock_offset_s: offset, drift_warn_s: limit }, 'device clock drift');
    return warn;
  }

  private realtimeOnce(): Promise<void> {
    return this.where.follow(() => this.realtimeSession());
  }

  private async realtimeSession(): Promise<void> {
    const o = this.opts;
    let stored = 0;
    let tally = { punches: 0, stored: 0, duplicates: 0, loggedAt: 0 };
    await runRealtimeSession({
      ...this.pullOptions(),
      heartbeatMs: o.heartbeatMs ?? 30_000,
      signal: this.abort.signal,
      onPunches: async (events) => {
        const r = await o.sink.accept(events);
        tally.punches += events.length;
        tally.stored += r.stored;
        tally.duplicates += r.duplicates;
        // a flooding terminal stores hundreds of batches a second: one line when punches start, then one
        // per 10 s with the counts since the last
        const now = Date.now();
        if (now - tally.loggedAt < 10_000) return;
        const { loggedAt: _, ...counts } = tally;
        o.logger.info({ device: events[0]!.device_id, ...counts }, 'realtime punches stored');
        tally = { punches: 0, stored: 0, duplicates: 0, loggedAt: now };
      },
      onRejected: (err) => o.logger.warn({ err, device: o.label }, 'realtime event rejected'),
      onBatch: async (batch) => {
        stored += await this.store(batch);
      },
      onSynced: async (r: SyncReport) => this.report(r, stored),
      onClock: (offset) => {
        const warn = this.checkClock(o.expectedSerial ?? o.label, offset, false);
        const last = this.lastStatus;
        // the heartbeat just proved the link, and a live session takes each punch as it happens: synced now
        const every = o.realtimeStatusMs ?? REALTIME_STATUS_MS;
        if (last?.state === 'online' && Date.now() - Date.parse(last.last_sync) >= every) {
          this.emit({
            ...last,
            last_sync: new Date().toISOString(),
            clock_offset_s: offset,
            clock_warning: warn,
          });
        }
      },
    });
  }

  private async run(): Promise<void> {
    const o = this.opts;
    let failures = 0;
    while (this.running) {
      let wait = o.intervalMs;
      const started = Date.now();
      try {
        if (o.realtime) {
          await this.realtimeOnce();
          wait = 0;
        } else await this.syncOnce();
        failures = 0;
      } catch (err) {
        // cut short by stop(): nothing failed, and the retained device status must not say it did
        if (this.abort.signal.aborted) break;
        // a realtime link that lived longer than a poll interval was healthy: start the backoff afresh
        if (o.realtime && Date.now() - started > o.intervalMs) failures = 0;
        failures++;
        const cap = o.maxBackoffMs ?? MAX_BACKOFF_MS;
        wait = Math.min(cap, 1000 * 2 ** Math.min(failures - 1, 10)) * (0.5 + Math.random() / 2);
        o.logger.error({ err, device: o.label, retry_in_ms: Math.round(wait) }, 'sync failed');
        this.emit({
          device: o.expectedSerial ?? o.label,
          state: 'error',
          last_sync: new Date().toISOString(),
          records: 0,
          stored: 0,
          rejected: 0,
          clock_offset_s: null,
          error: (err as Error).message,
          ...this.where.status(),
        });
      }
      if (wait > 0) await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }
}
