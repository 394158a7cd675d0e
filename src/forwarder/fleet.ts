import type { GatewayStatus, TerminalStatus } from './device-status.js';
import type { SiteHealth } from './site-health.js';
import type { StatusHandlers } from './status-watch.js';
import { applyStatus, isStale, type Terminal } from './terminal-view.js';

/** One site as the retained statuses tell of it, at the moment it was read. */
export interface FleetSite {
  site: string;
  /** The gateway's own retained status; undefined when it never published one this forwarder saw. */
  gateway: GatewayStatus['state'] | undefined;
  /** The newest terminal status or health message from the site: the last time its gateway was heard of. */
  lastSeenMs: number | undefined;
  /** No status from the site for `devices.stale_after_s`. */
  stale: boolean;
  /** The site's outbox, as its newest health message or terminal status gave it. */
  queued: number | undefined;
  /** The gateway's last health message; undefined when none was seen (an older gateway, or ACL). */
  health: Omit<SiteHealth, 'site'> | undefined;
  terminals: Array<Terminal & { stale: boolean }>;
}

interface SiteState {
  gateway?: GatewayStatus['state'];
  queued?: number;
  queuedAtMs?: number;
  health?: Omit<SiteHealth, 'site'>;
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
    this.queued(site, s.queued, s.atMs);
  }

  health({ site: name, ...health }: SiteHealth): void {
    const site = this.site(name);
    if (health.atMs < (site.health?.atMs ?? 0)) return;
    site.health = health;
    this.queued(site, health.queued, health.atMs);
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
        if (s.health) seen.push(s.health.atMs);
        const lastSeenMs = seen.length ? Math.max(...seen) : undefined;
        return {
          site,
          gateway: s.gateway,
          lastSeenMs,
          stale: isStale(lastSeenMs, nowMs, this.staleAfterMs),
          queued: s.queued,
          health: s.health,
          terminals,
        };
      });
  }

  /** The site's queue from whichever message said it last. */
  private queued(site: SiteState, queued: number | undefined, atMs: number): void {
    if (queued === undefined || atMs < (site.queuedAtMs ?? 0)) return;
    site.queued = queued;
    site.queuedAtMs = atMs;
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
