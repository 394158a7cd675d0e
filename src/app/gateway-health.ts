import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/index.js';
import { unconfirmedFigures } from '../ops/index.js';
import type { OutboxPublisher } from '../publish/index.js';
import { gatewayHealthTopic } from '../publish/index.js';
import type { PunchStore, WriteFailure } from '../store/index.js';

const HEALTH_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 6 * 3600_000;

/**
 * Housekeeping of a running gateway: retention passes over the store, and a retained health message
 * (queue depth, unconfirmed punches and the oldest one's wait, disk use, publish counters) so a site
 * engineer sees a filling disk or a growing backlog from the broker, before the gateway has to refuse work.
 */
export function startHousekeeping(
  cfg: SiteConfig,
  store: PunchStore,
  publisher: OutboxPublisher,
  client: MqttClient,
  logger: Logger,
): { stop(): void } {
  const policy = { rawDays: cfg.store.raw_days, dedupDays: cfg.store.dedup_days };
  const pruneOnce = () =>
    store.prune(policy).then(
      (r) => {
        if (r.raw + r.dedup > 0) logger.info({ pruned_raw: r.raw, pruned_ids: r.dedup }, 'retention pass');
      },
      (err: unknown) => logger.error({ err }, 'retention pass failed'),
    );
  const healthOnce = async () => {
    try {
      const disk = await store.diskUsage();
      const unconfirmed = unconfirmedFigures(await store.unconfirmedByDevice(), Date.now());
      const health = {
        at: new Date().toISOString(),
        queued: store.outboxDepth,
        unconfirmed: unconfirmed.count,
        oldest_unconfirmed_s: unconfirmed.oldest_s,
        unconfirmed_by_device: Object.fromEntries(
          unconfirmed.devices.map((d) => [d.device, { count: d.count, oldest_s: d.oldest_s }]),
        ),
        sent_awaiting_confirmation: store.sentAwaitingConfirmation,
        resent: publisher.stats.resent,
        published: publisher.stats.published,
        in_flight: publisher.stats.inFlight,
        store_mb: Math.round(disk.storeBytes / 1048576),
        free_mb: Math.round(disk.freeBytes / 1048576),
        disk_low: disk.low,
        write_failing: store.writeFailure !== undefined,
      };
      if (disk.low) logger.error(health, 'disk nearly full: new punches are refused until space is freed');
      if (client.connected)
        client.publish(gatewayHealthTopic(cfg.site), JSON.stringify(health), { qos: 1, retain: true });
    } catch (err) {
      logger.warn({ err }, 'cannot read disk usage');
    }
  };
  void pruneOnce();
  void healthOnce();
  client.on('connect', () => void healthOnce());
  const stopLogging = logWriteFailures(store, logger, () => void healthOnce());
  const timers = [setInterval(pruneOnce, PRUNE_EVERY_MS), setInterval(healthOnce, HEALTH_EVERY_MS)];
  return {
    stop() {
      for (const t of timers) clearInterval(t);
      stopLogging();
    },
  };
}

/**
 * Logs when the store's writes start failing, each reopen attempt that fails, and the recovery; `changed`
 * runs on both ends, so the retained health says it at once. Returns what stops it.
 */
function logWriteFailures(store: PunchStore, logger: Logger, changed: () => void): () => void {
  const failed = (f: WriteFailure) => {
    logger.error(
      { err: f.error, data_dir: store.path },
      'store writes fail: new punches are refused and stay at their source until the store reopens by itself',
    );
    changed();
  };
  const retry = (err: unknown) =>
    logger.warn({ err, data_dir: store.path }, 'store cannot reopen yet; trying again');
  const recovered = (f: WriteFailure) => {
    logger.info(
      {
        data_dir: store.path,
        failed_s: Math.round((Date.now() - f.since) / 1000),
        failures: f.failures,
      },
      'store reopened: writes go through again',
    );
    changed();
  };
  store.on('write-failed', failed).on('recovery-failed', retry).on('recovered', recovered);
  return () => {
    store.off('write-failed', failed).off('recovery-failed', retry).off('recovered', recovered);
  };
}
