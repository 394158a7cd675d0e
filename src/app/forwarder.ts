import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { CloudConfig } from '../config/index.js';
import { readPemFile } from '../config/index.js';
import { hostTimeZone } from '../event/index.js';
import { type Forwarder, startForwarder } from '../forwarder/index.js';
import { dryRunWriter, FrappeBatchWriter, FrappeClient, readSiteTimezone } from '../frappe/index.js';

/** The Frappe side from the cloud config: real REST writes, or the same requests printed when `dryRunOut` is given. */
export async function frappeWriterFor(
  cfg: CloudConfig,
  logger: Logger,
  dryRunOut?: Writable,
): Promise<FrappeBatchWriter> {
  const f = cfg.frappe;
  if (dryRunOut) {
    return dryRunWriter({
      url: f.url,
      siteTimezone: f.site_timezone ?? hostTimeZone(),
      employeeFieldname: f.employee_fieldname,
      deviceLogTypes: cfg.device_log_types,
      out: dryRunOut,
    });
  }
  const client = FrappeClient.fromConfig(f);
  // Frappe stores naive times in its System Settings zone: placing punches needs it (frappe §4)
  const siteTimezone = f.site_timezone ?? (await readSiteTimezone(client));
  logger.info({ frappe: f.url, site_timezone: siteTimezone }, 'Frappe site');
  const writer = batchWriterFor(cfg, client, siteTimezone);
  await warnWithoutEventId(writer, logger);
  return writer;
}

/** Says loudly when the site lacks the unique index that makes one Checkin per punch exact. */
async function warnWithoutEventId(writer: FrappeBatchWriter, logger: Logger): Promise<void> {
  try {
    if (await writer.checkinEventId()) return;
    logger.warn(
      { doctype: 'Employee Checkin', field: 'x05_event_id' },
      'Employee Checkin has no unique event id field: a write that commits after its timeout can leave a second Checkin; run `x05-gateway frappe setup` with a System Manager key',
    );
  } catch (err) {
    // the writer reads it again before its first batch
    logger.warn({ err }, 'could not read the Employee Checkin meta yet');
  }
}

/** The batching REST writer (Raw Logs and Checkins by insert_many) with the config's tuning. */
export function batchWriterFor(
  cfg: CloudConfig,
  client: FrappeClient,
  siteTimezone?: string,
): FrappeBatchWriter {
  const fw = cfg.forwarder ?? {};
  return new FrappeBatchWriter({
    client,
    siteTimezone: siteTimezone ?? cfg.frappe.site_timezone,
    employeeFieldname: cfg.frappe.employee_fieldname,
    deviceLogTypes: cfg.device_log_types,
    statusConcurrency: fw.status_concurrency,
    resolverTtlMs: fw.employee_cache_s === undefined ? undefined : fw.employee_cache_s * 1000,
    timeBounds: { min: cfg.time.min, maxFutureS: cfg.time.max_future_s },
  });
}

/**
 * `x05-gateway forwarder`: the cloud side, MQTT v5 shared subscription → Frappe. With `dryRunOut` it only
 * watches (observeOnly) under a client id of its own, so it can run beside the service with the same
 * config: the same id would take over the service's session, and the service's connection would take it back.
 */
export async function startForwarderFromConfig(
  cfg: CloudConfig,
  logger: Logger,
  dryRunOut?: Writable,
): Promise<Forwarder> {
  const clientId = cfg.forwarder?.instance ?? cfg.broker.client_id ?? `x05-forwarder-${hostname()}`;
  return startForwarder({
    brokerUrl: cfg.broker.url,
    username: cfg.broker.username,
    password: cfg.broker.password,
    tls: {
      ca: cfg.broker.ca_file ? readPemFile('broker.ca_file', cfg.broker.ca_file, 'certificate') : undefined,
      cert: cfg.broker.cert_file
        ? readPemFile('broker.cert_file', cfg.broker.cert_file, 'certificate')
        : undefined,
      key: cfg.broker.key_file
        ? readPemFile('broker.key_file', cfg.broker.key_file, 'private key')
        : undefined,
    },
    // stable across restarts: the broker keeps this client's session and queued punches
    clientId: dryRunOut ? `${clientId}-dry-run-${process.pid}` : clientId,
    observeOnly: dryRunOut !== undefined,
    shareGroup: cfg.share_group,
    topic: cfg.topic,
    sessionExpiryS: cfg.broker.session_expiry_s,
    writer: await frappeWriterFor(cfg, logger, dryRunOut),
    logger,
    batchSize: cfg.forwarder?.batch_size,
    lingerMs: cfg.forwarder?.linger_ms,
    maxInFlight: cfg.forwarder?.max_in_flight,
    unmappedRetryS: cfg.forwarder?.unmapped_retry_s,
    shiftTypes: cfg.shift_types,
    retireAfterMs:
      cfg.forwarder?.retire_after_s === undefined ? undefined : cfg.forwarder.retire_after_s * 1000,
    protocolVersion: cfg.broker.protocol_version,
    devices: { staleAfterS: cfg.devices?.stale_after_s },
  });
}
