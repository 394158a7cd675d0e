import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/index.js';
import type { DeviceStatus } from '../device/index.js';
import { hostTimeZone } from '../event/index.js';
import {
  type DeviceReport,
  formatStatus,
  type Health,
  type JsonReply,
  type OpsAction,
  type OpsServer,
  redactUrl,
  type StatusReport,
  startOpsServerOrLog,
  unconfirmedFigures,
  type WriteErrorReport,
} from '../ops/index.js';
import type { ConfirmationListener, OutboxPublisher } from '../publish/index.js';
import type { PushServer } from '../push/index.js';
import { CommandDesk, CommandRequestError } from '../push/index.js';
import type { PunchStore } from '../store/index.js';
import { gatewayRegistry } from './gateway-metrics.js';
import { renderGatewayPage } from './page/gateway-page.js';
import { type PunchHours, punchHours } from './page/hour-chart.js';

export interface GatewayParts {
  store: PunchStore;
  publisher: OutboxPublisher;
  /** Undefined with `publish.confirm: false`. */
  confirmations: ConfirmationListener | undefined;
  client: MqttClient;
  push: PushServer | undefined;
  /** Last status each terminal reported, by device id. */
  devices: ReadonlyMap<string, DeviceStatus>;
}

const MB = 1048576;

/** What the gateway tells an operator about one terminal: its last status and the newest punch stored. */
export function deviceReport(s: DeviceStatus, lastPunch: string | undefined): DeviceReport {
  return {
    device: s.device,
    state: s.state,
    last_sync: s.last_sync,
    clock_offset_s: s.clock_offset_s,
    ...(s.clock_warning ? { clock_warning: true } : {}),
    ...(lastPunch ? { last_punch: lastPunch } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/**
 * The ops endpoint of a gateway (docs/operations.md). A port already in use is logged and the gateway runs
 * on without it: punches matter more than the dashboard.
 */
export async function startGatewayOps(
  cfg: SiteConfig,
  parts: GatewayParts,
  logger: Logger,
): Promise<OpsServer | undefined> {
  if (!cfg.ops.listen) return undefined;
  const { store, publisher, confirmations, client, push, devices } = parts;
  const disk = () => store.diskUsage();
  const unconfirmed = async () => unconfirmedFigures(await store.unconfirmedByDevice(), Date.now());
  const writeError = (): WriteErrorReport | undefined => {
    const f = store.writeFailure;
    return f && { error: f.error.message, since: new Date(f.since).toISOString(), failures: f.failures };
  };
  const registry = gatewayRegistry({
    site: cfg.site,
    queued: () => store.outboxDepth,
    unconfirmed,
    confirmations: () => ({
      ...(confirmations?.stats ?? { confirmed: 0, unknown: 0, foreign: 0, invalid: 0 }),
      resent: publisher.stats.resent,
    }),
    intake: () => store.intakeByDevice,
    published: () => publisher.stats,
    brokerConnected: () => client.connected,
    devices: () => devices.values(),
    disk,
    writeFailing: () => store.writeFailure !== undefined,
    ...(push ? { push: () => push.counters } : {}),
  });
  const status = async (): Promise<StatusReport> => {
    const d = await disk();
    const u = await unconfirmed();
    const byDevice = new Map(u.devices.map((x) => [x.device, x]));
    const intake = store.intakeByDevice;
    const w = writeError();
    return {
      site: cfg.site,
      at: new Date().toISOString(),
      store: {
        queued: store.outboxDepth,
        store_mb: Math.round(d.storeBytes / MB),
        free_mb: Math.round(d.freeBytes / MB),
        disk_low: d.low,
        ...(w ? { write_error: w } : {}),
      },
      broker: { url: redactUrl(cfg.broker.url), connected: client.connected },
      publish: { published: publisher.stats.published, in_flight: publisher.stats.inFlight },
      ...(confirmations
        ? {
            confirm: {
              count: u.count,
              oldest_s: u.oldest_s,
              sent: store.sentAwaitingConfirmation,
              resent: publisher.stats.resent,
              no_subscriber: publisher.stats.noSubscriber,
              confirmed: confirmations.stats.confirmed,
              ignored:
                confirmations.stats.unknown + confirmations.stats.foreign + confirmations.stats.invalid,
            },
          }
        : {}),
      devices: [...devices.values()].map((s) => ({
        ...deviceReport(s, intake.get(s.device)?.lastPunch),
        unconfirmed: byDevice.get(s.device)?.count ?? 0,
        oldest_unconfirmed_s: byDevice.get(s.device)?.oldest_s ?? 0,
      })),
      ...(push
        ? {
            push: {
              requests: push.counters.requests,
              refused: push.counters.refused,
              lines: push.counters.lines,
            },
          }
        : {}),
    };
  };
  const page = async (): Promise<string> => {
    const report = await status();
    const nowMs = Date.now();
    const hours = new Map<string, PunchHours>();
    for (const s of devices.values())
      hours.set(s.device, punchHours(store.recentIntake, s.device, s.timezone ?? hostTimeZone(), nowMs));
    return renderGatewayPage({
      title: `x05-gateway ${cfg.site}`,
      report,
      hours,
      confirmTimeoutS: cfg.publish.confirm_timeout_s,
      maxUnconfirmedAgeS: cfg.health.max_unconfirmed_age_s,
      nowMs,
    });
  };
  // healthy = punches can still be taken in and kept; a broker outage is not, since they queue on disk
  const health = async (): Promise<Health> => {
    const stages: Record<string, string> = {};
    let ok = true;
    try {
      const d = await disk();
      stages.store = d.low ? `disk low: ${Math.round(d.freeBytes / MB)} MB free` : 'ok';
      ok = !d.low;
    } catch (err) {
      stages.store = `unreadable: ${(err as Error).message}`;
      ok = false;
    }
    // a write LevelDB failed (a full disk) turns the store red until it has reopened, whatever space says now
    const w = writeError();
    if (w) {
      stages.store = `writes failing since ${w.since} (${w.failures} failed or refused): ${w.error}`;
      ok = false;
    }
    stages.broker = client.connected ? 'connected' : `disconnected, ${store.outboxDepth} queued`;
    if (confirmations) {
      // punches that wait for a confirmation too long: the forwarder, Frappe or the broker needs a look
      try {
        const u = await unconfirmed();
        const limit = cfg.health.max_unconfirmed_age_s;
        const late = u.oldest_s > limit;
        stages.confirm = late
          ? `oldest unconfirmed punch waits ${u.oldest_s} s (over ${limit} s); ${u.count} unconfirmed`
          : `ok, ${u.count} unconfirmed`;
        if (late) ok = false;
      } catch (err) {
        // a store between two reopen attempts is closed: still a 503 with the stages, not a 500
        stages.confirm = `unreadable: ${(err as Error).message}`;
        ok = false;
      }
    }
    for (const s of devices.values())
      stages[`device:${s.device}`] = s.state === 'online' ? 'online' : `error: ${s.error ?? 'unknown'}`;
    return { ok, stages };
  };
  const actions: Record<string, OpsAction> = push
    ? { '/push/commands': pushCommandRoute(new CommandDesk(push), logger) }
    : {};
  return startOpsServerOrLog({
    listen: cfg.ops.listen,
    hostNames: cfg.ops.host_names,
    registry,
    title: `x05-gateway ${cfg.site}`,
    status,
    statusText: formatStatus,
    page,
    health,
    actions,
    logger,
  });
}

/** `/push/commands`: GET ?device=SN lists queued and answered commands, POST queues one (docs/terminals.md, device push). */
function pushCommandRoute(desk: CommandDesk, logger: Logger): OpsAction {
  const answer = (fn: () => unknown, ok: number): JsonReply => {
    try {
      return { status: ok, body: fn() };
    } catch (err) {
      if (!(err instanceof CommandRequestError)) throw err;
      return { status: err.status, body: { error: err.message, field: err.field } };
    }
  };
  return {
    get: (q) => answer(() => desk.list(q.get('device') ?? ''), 200),
    post: (body) =>
      answer(() => {
        const queued = desk.queue(body);
        logger.info(
          { device: queued.device, id: queued.id, command: queued.command.kind },
          'push command queued',
        );
        return queued;
      }, 202),
  };
}
