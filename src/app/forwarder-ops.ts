import type { Logger } from 'pino';
import { type CloudConfig, DEFAULT_SHARE_GROUP } from '../config/index.js';
import type { Forwarder } from '../forwarder/index.js';
import { type Health, type OpsServer, startOpsServerOrLog } from '../ops/index.js';
import { forwarderRegistry } from './forwarder-metrics.js';
import { renderFleetPage } from './page/fleet-page.js';
import type { Stage } from './page/layout.js';

export interface ForwarderReport {
  share_group: string;
  topic: string;
  frappe: string;
  state: Forwarder['state'];
  stats: Forwarder['stats'];
  /** Seconds the oldest message in hand has waited for Frappe. */
  oldest_in_hand_s: number;
}

function formatForwarder(r: ForwarderReport): string {
  const s = r.stats;
  const why = r.state.state === 'auth_paused' ? ` — Frappe refuses the API key: ${r.state.reason}` : '';
  return [
    `forwarder ${r.share_group} (${r.topic}) → ${r.frappe}: ${r.state.state}${why}`,
    `received ${s.received}, acked ${s.acked}, confirmed ${s.confirmed}, synced ${s.synced}, unmapped ${s.unmapped}, rejected ${s.rejected}, dead-lettered ${s.deadLettered}, retries ${s.retries}, batches ${s.batches}`,
    `oldest message in hand: ${r.oldest_in_hand_s} s`,
    s.lastError ? `last error: ${s.lastError}` : '',
  ]
    .filter(Boolean)
    .join('\n')
    .concat('\n');
}

/**
 * The forwarder's ops endpoint: unhealthy (503) while Frappe refuses its key, since only an operator can
 * fix that, and while a message has been in hand longer than forwarder.max_in_hand_age_s (Frappe down or
 * refusing for that long, or the forwarder stuck). A taken port is logged, not fatal.
 */
export async function startForwarderOps(
  cfg: CloudConfig,
  fwd: Forwarder,
  logger: Logger,
): Promise<OpsServer | undefined> {
  if (!cfg.ops.listen) return undefined;
  const report = async (): Promise<ForwarderReport> => ({
    share_group: cfg.share_group,
    topic: cfg.topic,
    frappe: cfg.frappe.url,
    state: fwd.state,
    stats: fwd.stats,
    oldest_in_hand_s: fwd.oldestInHandS,
  });
  const maxInHandS = cfg.forwarder?.max_in_hand_age_s ?? 600;
  // the default group is named like the program: say it once
  const title =
    cfg.share_group === DEFAULT_SHARE_GROUP ? 'x05-forwarder' : `x05-forwarder ${cfg.share_group}`;
  const health = async (): Promise<Health> => {
    const paused = fwd.state.state === 'auth_paused';
    // a forwarder retrying a Frappe that stays down, or stuck, holds its oldest message ever longer
    const age = fwd.oldestInHandS;
    const stuck = age > maxInHandS;
    return {
      ok: !paused && !stuck,
      stages: {
        frappe: paused ? 'API key refused (401/403)' : 'ok',
        in_hand: stuck
          ? `oldest message waits ${age} s for Frappe (over ${maxInHandS} s)`
          : `ok, oldest ${age} s`,
      },
    };
  };
  const page = async (): Promise<string> => {
    const now = Date.now();
    return renderFleetPage({
      title,
      atIso: new Date(now).toISOString(),
      stages: forwarderStages(fwd, maxInHandS),
      sites: fwd.fleet.sites(now),
      nowMs: now,
    });
  };
  return startOpsServerOrLog({
    listen: cfg.ops.listen,
    hostNames: cfg.ops.host_names,
    registry: forwarderRegistry({
      counts: () => fwd.stats,
      paused: () => fwd.stats.paused,
      oldestInHandS: () => fwd.oldestInHandS,
    }),
    title,
    status: report,
    statusText: formatForwarder,
    page,
    health,
    logger,
  });
}

/**
 * The forwarder's side of the way to Frappe: red while Frappe refuses the key or a message has waited past
 * forwarder.max_in_hand_age_s (what /healthz fails on), amber while writes are being retried.
 */
function forwarderStages(fwd: Forwarder, maxInHandS: number): Stage[] {
  const s = fwd.state;
  const age = fwd.oldestInHandS;
  const frappe: Stage =
    s.state === 'auth_paused'
      ? { name: 'Frappe', level: 'failing', detail: `API key refused: ${s.reason}` }
      : s.state === 'offline'
        ? { name: 'Frappe', level: 'failing', detail: 'forwarder stopped' }
        : age > maxInHandS
          ? {
              name: 'Frappe',
              level: 'failing',
              detail: `oldest message waits ${age} s (over ${maxInHandS} s)`,
            }
          : age > 0 && fwd.stats.lastError
            ? { name: 'Frappe', level: 'degraded', detail: `retrying for ${age} s: ${fwd.stats.lastError}` }
            : {
                name: 'Frappe',
                level: 'ok',
                detail: `${fwd.stats.received} received, ${fwd.stats.synced} synced, oldest in hand ${age} s`,
              };
  return [frappe];
}
