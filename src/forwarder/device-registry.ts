import type { Logger } from 'pino';
import type { PunchEvent } from '../event/index.js';
import type { FrappeClient } from '../frappe/index.js';
import {
  createMissingDevices,
  DEVICE_DOCTYPE,
  type DeviceFields,
  FrappeError,
  mapLimit,
  readDevices,
} from '../frappe/index.js';
import type { TerminalStatus } from './device-status.js';
import { applyPunch, applyStatus, recordFields, type Terminal, terminalFromRecord } from './terminal-view.js';

export interface DeviceRegistryOptions {
  client: FrappeClient;
  /** The site's system zone: Datetime fields are naive site time (frappe §4). */
  siteZone: () => Promise<string>;
  logger: Logger;
  /** No status for this long: the terminal is marked offline (config `devices.stale_after_s`). */
  staleAfterMs: number;
  /** At most one write per terminal this often, unless its state changes. Default 60 s. */
  minWriteIntervalMs?: number | undefined;
  /** How often changes are gathered into one batch of writes. Default 1 s. */
  tickMs?: number | undefined;
}

/** Changes that are written at once; the rest (times, drift, cursor) wait for the terminal's next slot. */
const URGENT: ReadonlyArray<keyof DeviceFields> = [
  'state',
  'site',
  'host',
  'port',
  'mode',
  'clock_warning',
  'sync_overdue',
];
const BACKOFF_CAP_MS = 300_000;

/** A record to write: every field it should have, and those that differ from what Frappe holds. */
interface Due {
  device: string;
  fields: DeviceFields;
  patch: DeviceFields;
}

/**
 * Keeps one Biometric Device record per terminal current from the gateways' retained statuses and the
 * punches written. Changes are gathered and written in one batch per tick: new terminals by insert_many,
 * known ones by a PUT of the changed fields only, each terminal at most once per `minWriteIntervalMs`
 * unless its state changes. It runs beside the punches and never holds one: a failed write is logged and
 * tried again with capped backoff. Each forwarder keeps its own view; they agree, as every one reads the
 * same retained statuses.
 */
export class DeviceRegistry {
  readonly #o: DeviceRegistryOptions;
  readonly #terminals = new Map<string, Terminal>();
  /** What Frappe holds, as read at start and written since (names absent: no record known). */
  readonly #written = new Map<string, DeviceFields>();
  readonly #lastWriteAt = new Map<string, number>();
  /** A terminal whose record Frappe refused is tried again after a write interval, not every tick. */
  readonly #refusedUntil = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  #loaded = false;
  #busy = false;
  #failures = 0;
  #retryAt = 0;

  constructor(o: DeviceRegistryOptions) {
    this.#o = o;
    this.#timer = setInterval(() => void this.flush(), o.tickMs ?? 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  status(s: TerminalStatus): void {
    applyStatus(this.terminal(s.device), s, Date.now());
  }

  /** Punches Frappe now holds: their terminals exist, and what the punches say of them follows. */
  punches(events: readonly PunchEvent[]): void {
    for (const e of events) applyPunch(this.terminal(e.device_id), e);
  }

  /** Writes what is due; one batch at a time, the next tick takes what changed meanwhile. */
  async flush(now = Date.now()): Promise<void> {
    if (this.#busy || now < this.#retryAt) return;
    this.#busy = true;
    const log = this.#o.logger;
    try {
      const zone = await this.#o.siteZone();
      if (!this.#loaded) await this.load(zone);
      const due = this.due(zone, now);
      if (due.length > 0) await this.write(due, now);
      this.#failures = 0;
    } catch (err) {
      this.#failures++;
      const waitMs = Math.min(BACKOFF_CAP_MS, 1000 * 2 ** Math.min(this.#failures - 1, 10));
      this.#retryAt = now + waitMs;
      log.warn({ err, retry_in_ms: waitMs }, 'Biometric Device records not updated; punches go on, retrying');
    } finally {
      this.#busy = false;
    }
  }

  private terminal(device: string): Terminal {
    let t = this.#terminals.get(device);
    if (!t) {
      t = { device };
      this.#terminals.set(device, t);
    }
    return t;
  }

  /** The records already in Frappe: written only where something changed, and swept for staleness too. */
  private async load(zone: string): Promise<void> {
    for (const [device, r] of await readDevices(this.#o.client)) {
      this.#written.set(device, r);
      // what arrived before the load is newer than the record
      if (!this.#terminals.has(device)) this.#terminals.set(device, terminalFromRecord(device, r, zone));
    }
    this.#loaded = true;
  }

  private due(zone: string, now: number): Due[] {
    const interval = this.#o.minWriteIntervalMs ?? 60_000;
    const out: Due[] = [];
    for (const t of this.#terminals.values()) {
      if ((this.#refusedUntil.get(t.device) ?? 0) > now) continue;
      const fields = recordFields(t, zone, now, this.#o.staleAfterMs);
      const held = this.#written.get(t.device);
      const patch = Object.fromEntries(
        Object.entries(fields).filter(([k, v]) => held?.[k as keyof DeviceFields] !== v),
      ) as DeviceFields;
      const changed = Object.keys(patch) as Array<keyof DeviceFields>;
      if (changed.length === 0) continue;
      const urgent = !held || changed.some((k) => URGENT.includes(k));
      if (urgent || now - (this.#lastWriteAt.get(t.device) ?? 0) >= interval) {
        out.push({ device: t.device, fields, patch });
      }
    }
    return out;
  }

  private async write(due: readonly Due[], now: number): Promise<void> {
    const { client, logger } = this.#o;
    const fresh = due.filter((d) => !this.#written.has(d.device));
    const made = await createMissingDevices(
      client,
      fresh.map((d) => ({ device_id: d.device, ...d.fields })),
    );
    // known ones get their changes; ones created meanwhile elsewhere (the punch writer, another
    // forwarder) get every field
    const puts = due.flatMap((d) => {
      if (this.#written.has(d.device)) return [{ device: d.device, patch: d.patch }];
      const elsewhere = made.present.has(d.device) && !made.created.includes(d.device);
      return elsewhere ? [{ device: d.device, patch: d.fields }] : [];
    });
    for (const d of fresh) if (made.created.includes(d.device)) this.done(d.device, d.fields, now);
    for (const { device, error } of made.refused) this.refused(device, error, now);
    await mapLimit(puts, 4, async ({ device, patch }) => {
      try {
        await client.updateDoc(DEVICE_DOCTYPE, device, patch as Record<string, unknown>);
      } catch (err) {
        if (!(err instanceof FrappeError) || err.kind === 'retryable' || err.kind === 'auth') throw err;
        // deleted in the desk: created again on the next tick
        if (err.status === 404) this.#written.delete(device);
        else this.refused(device, err, now);
        return;
      }
      this.done(device, { ...this.#written.get(device), ...patch }, now);
    });
    logger.debug({ devices: due.map((d) => d.device) }, 'Biometric Device records written');
  }

  private done(device: string, held: DeviceFields, now: number): void {
    const before = this.#written.get(device)?.state;
    this.#written.set(device, held);
    this.#lastWriteAt.set(device, now);
    if (held.state !== undefined && held.state !== before) {
      this.#o.logger.info(
        { device, site: held.site, state: held.state },
        'terminal state in ERPNext changed',
      );
    }
  }

  private refused(device: string, error: FrappeError, now: number): void {
    this.#refusedUntil.set(device, now + (this.#o.minWriteIntervalMs ?? 60_000));
    this.#o.logger.warn(
      { err: error, device },
      'Frappe refused the Biometric Device record; trying again later',
    );
  }
}
