import type { Logger } from 'pino';
import { Command } from '../../protocol/zk/commands.js';
import { expandDiscover } from '../address/index.js';
import { findTerminal } from './discovery.js';
import { DeviceIdentityError, DeviceNotFoundError } from './errors.js';

export interface TerminalAddressOptions {
  /** The configured host. */
  host: string;
  port: number;
  /** Discovery needs the serial: it is the terminal's identity, the address is only where it was. */
  serial: string | undefined;
  /** CIDR blocks, ranges or hosts to scan when the terminal is lost (address-range.ts). */
  discover: readonly string[] | undefined;
  /** Connect and answer timeout of each probe (default 1000 ms). */
  timeoutMs?: number;
  /** Probes at once (default 16). */
  concurrency?: number;
  transport?: 'tcp' | 'udp';
  commKey?: number;
  /** The cursor stored for a serial; the address it was last reached at is kept there (cursorFields). */
  cursor?: (serial: string) => Promise<unknown>;
  logger: Logger;
  signal: AbortSignal;
}

/** Where the terminal is reached, for the device status. */
export interface AddressStatus {
  /** `host:port` in use: the configured one, or where discovery found the terminal. */
  address: string;
  /** It stopped answering at `moved_from` and was found at `address`, at `moved_at` (ISO time). */
  moved_from?: string;
  moved_at?: string;
}

/**
 * A terminal is its serial, not its address (a DHCP lease can move it). Holds the address a poller uses
 * and, with `discover` set, finds the terminal again: when nothing answers CONNECT there, our comm key is
 * refused, or another serial answers, the candidates are scanned for the serial and the poller moves to
 * the address that has it. A terminal with another serial is never adopted.
 */
export class TerminalAddress {
  private current: string;
  private moved: { from: string; at: string } | undefined;
  private readonly candidates: readonly string[];
  private restored = false;

  constructor(private readonly o: TerminalAddressOptions) {
    this.current = o.host;
    this.candidates = o.discover && o.serial ? expandDiscover(o.discover) : [];
  }

  get host(): string {
    return this.current;
  }

  get address(): string {
    return `${this.current}:${this.o.port}`;
  }

  status(): AddressStatus {
    return {
      address: this.address,
      ...(this.moved ? { moved_from: this.moved.from, moved_at: this.moved.at } : {}),
    };
  }

  /**
   * Stored with each sync's cursor when discovery is on: where the terminal was reached and the host
   * configured then, so a restart goes straight to a terminal that moved (restore).
   */
  cursorFields(): Record<string, string> {
    return this.candidates.length > 0 ? { address: this.current, configured: this.o.host } : {};
  }

  /**
   * Runs `work` at the current address; when the terminal is lost there, discovers it and runs `work` once
   * more at its new address. No match fails with DeviceNotFoundError (cause: the loss).
   */
  async follow<T>(work: () => Promise<T>): Promise<T> {
    await this.restore();
    try {
      return await work();
    } catch (err) {
      if (!this.lostHere(err)) throw err;
      await this.discover(err);
      return work();
    }
  }

  /**
   * A failure at CONNECT or AUTH, or another serial: the terminal may have moved. A later failure happened
   * on a terminal we did reach, so it is not searched for.
   */
  private lostHere(err: unknown): boolean {
    if (this.candidates.length === 0 || this.o.signal.aborted) return false;
    if (err instanceof DeviceIdentityError) return true;
    const e = err as { code?: string; command?: number };
    return (
      (e.code === 'X05_TIMEOUT' || e.code === 'X05_CLOSED' || e.code === 'X05_REFUSED') &&
      (e.command === Command.CONNECT || e.command === Command.AUTH)
    );
  }

  private async discover(lost: unknown): Promise<void> {
    const o = this.o;
    const serial = o.serial!;
    const from = this.address;
    const started = Date.now();
    o.logger.warn({ err: lost, device: serial, address: from }, 'terminal lost at its address; discovering');
    const r = await findTerminal({
      serial,
      candidates: this.candidates.filter((h) => h !== this.current),
      port: o.port,
      timeoutMs: o.timeoutMs ?? 1000,
      concurrency: o.concurrency ?? 16,
      signal: o.signal,
      ...(o.transport ? { transport: o.transport } : {}),
      ...(o.commKey ? { commKey: o.commKey } : {}),
    });
    const others = Object.fromEntries(r.others);
    if (r.host === undefined) throw new DeviceNotFoundError(serial, from, r.probed, others, lost);
    this.current = r.host;
    this.moved = { from, at: new Date().toISOString() };
    o.logger.warn(
      { device: serial, from, to: this.address, probed: r.probed, others, ms: Date.now() - started },
      `terminal ${serial} moved: ${from} → ${this.address}`,
    );
  }

  /**
   * Once: start at the address the terminal was last reached at (kept in its cursor), unless the configured
   * host changed since — an engineer's edit of the config wins over what discovery found.
   */
  private async restore(): Promise<void> {
    const o = this.o;
    if (this.restored || this.candidates.length === 0) return;
    this.restored = true;
    const c = (await o.cursor?.(o.serial!)) as { address?: unknown; configured?: unknown } | undefined;
    if (typeof c?.address !== 'string' || c.configured !== o.host || c.address === this.current) return;
    this.current = c.address;
    this.moved = { from: `${o.host}:${o.port}`, at: new Date().toISOString() };
    o.logger.warn(
      { device: o.serial, configured: `${o.host}:${o.port}`, address: this.address },
      'using the address the terminal was last found at',
    );
  }
}
