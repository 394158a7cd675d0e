import type { GatewayStatus, StatusHandlers, TerminalStatus } from './device-status.js';
import { applyStatus, isStale, type Terminal } from './terminal-view.js';

/** One site as the retained statuses tell of it, at the moment it was read. */
export interface FleetSite {
  site: string;
  /** The gateway's own retained status; undefined when it never published one this forwarder saw. */
  gateway: GatewayStatus['state'] | undefined;
  /** The newest terminal status from the site: the last time its gateway was heard of. */
  lastSeenMs: number | undefined;
  /** No status from the site for `devices.stale_after_s`. */
  stale: boolean;
  /** The site's outbox, as its newest terminal status gave it. */
  queued: number | undefined;
  terminals: Array<Terminal & { stale: boolean }>;
}

interface SiteState {
  gateway?: GatewayStatus['state'];
  queued?: number;
  queuedAtMs?: number;
  terminals: Map<string, Terminal>;
}

/**
 * Every site and terminal the gateways' retained statuses tell of, for the forwarder's page. Retained, so
 * a forwarder started a minute ago shows the whole fleet; staleness is the one the Biometric Device records
 * use (`devices.stale_after_s`), so the page and ERPNext agree on which terminal is offline.
 */
export class FleetView implements StatusHandlers {
  readonly #sites = new Map<string, SiteState>();

  constructor(private readonly staleAfterMs: number) {}

  terminal(s: TerminalStatus): void {
    const site = this.site(s.site);
    let t = site.terminals.get(s.device);
    if (!t) {
      t = { device: s.device };
      site.terminals.set(s.device, t);
    }
    applyStatus(t, s, Date.now());
    if (s.queued !== undefined && s.atMs >= (site.queuedAtMs ?? 0)) {
      site.queued = s.queued;
      site.queuedAtMs = s.atMs;
    }
  }

  gateway(g: GatewayStatus): void {
    this.site(g.site).gateway = g.state;
  }

  /** The sites by name, their terminals by id. */
  sites(nowMs: number): FleetSite[] {
    return [...this.#sites]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([site, s]) => {
        const terminals = [...s.terminals.values()]
          .sort((a, b) => a.device.localeCompare(b.device))
          .map((t) => ({ ...t, stale: isStale(t.statusAtMs, nowMs, this.staleAfterMs) }));
        const seen = terminals.flatMap((t) => (t.statusAtMs === undefined ? [] : [t.statusAtMs]));
        const lastSeenMs = seen.length ? Math.max(...seen) : undefined;
        return {
          site,
          gateway: s.gateway,
          lastSeenMs,
          stale: isStale(lastSeenMs, nowMs, this.staleAfterMs),
          queued: s.queued,
          terminals,
        };
      });
  }

  private site(name: string): SiteState {
    let s = this.#sites.get(name);
    if (!s) {
      s = { terminals: new Map() };
      this.#sites.set(name, s);
    }
    return s;
  }
}
