import { setTimeout as sleep } from 'node:timers/promises';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import type { PunchEvent } from '../event/punch-event.js';
import type { Logger } from '../ops/log.js';
import { DeviceIdentityError } from './errors.js';
import { type PullResult, pullDevice } from './pull.js';

/** Where pulled punches go; the store implements it. A pull counts as done only once this resolves. */
export interface PunchSink {
  accept(events: readonly PunchEvent[]): Promise<{ stored: number; duplicates: number }>;
}

export interface DeviceStatus {
  device: string;
  state: 'online' | 'error';
  last_sync: string;
  records: number;
  stored: number;
  rejected: number;
  clock_offset_s: number | null;
  error?: string;
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
  label: string;
  sink: PunchSink;
  logger: Logger;
  onStatus?: (s: DeviceStatus) => void;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/** Pulls one terminal on a schedule; failures back off exponentially (with jitter) and never stop the loop. */
export class DevicePoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** One pull into the sink; resolves with what was stored. */
  async syncOnce(): Promise<{ result: PullResult; stored: number }> {
    const o = this.opts;
    const result = await pullDevice({
      host: o.host,
      port: o.port,
      site: o.site,
      timezone: o.timezone,
      timeoutMs: o.timeoutMs,
      label: o.label,
      ...(o.recordSize ? { recordSize: o.recordSize } : {}),
      onFrameError: (err) => o.logger.warn({ err, device: o.label }, 'bad frame from terminal skipped'),
    });
    if (o.expectedSerial && result.serial !== o.expectedSerial) {
      throw new DeviceIdentityError(`${o.host}:${o.port}`, o.expectedSerial, result.serial);
    }
    const { stored } = await o.sink.accept(result.events);
    return { result, stored };
  }

  private async run(): Promise<void> {
    const o = this.opts;
    let failures = 0;
    while (this.running) {
      let wait = o.intervalMs;
      try {
        const { result, stored } = await this.syncOnce();
        failures = 0;
        for (const err of result.rejected) o.logger.warn({ err, device: result.serial }, 'record rejected');
        o.logger.info(
          {
            device: result.serial,
            records: result.events.length,
            stored,
            rejected: result.rejected.length,
            clock_offset_s: result.clockOffsetS,
          },
          'pull done',
        );
        o.onStatus?.({
          device: result.serial,
          state: 'online',
          last_sync: new Date().toISOString(),
          records: result.events.length,
          stored,
          rejected: result.rejected.length,
          clock_offset_s: result.clockOffsetS,
        });
      } catch (err) {
        failures++;
        wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures, 10)) * (0.5 + Math.random() / 2);
        o.logger.error({ err, device: o.label, retry_in_ms: Math.round(wait) }, 'pull failed');
        o.onStatus?.({
          device: o.expectedSerial ?? o.label,
          state: 'error',
          last_sync: new Date().toISOString(),
          records: 0,
          stored: 0,
          rejected: 0,
          clock_offset_s: null,
          error: (err as Error).message,
        });
      }
      await sleep(wait, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }
}
