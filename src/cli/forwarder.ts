import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import type { CloudConfig } from '../config/schema.js';
import { type Forwarder, startForwarder } from '../forwarder/forwarder.js';
import { FrappeClient } from '../frappe/client.js';
import { DryRunWriter } from '../frappe/dry-run-writer.js';
import { FrappeRestWriter } from '../frappe/rest-writer.js';
import { readSiteTimezone } from '../frappe/site-settings.js';
import type { FrappeWriter } from '../frappe/writer.js';
import type { Logger } from '../ops/log.js';

/** The Frappe side from the cloud config: real REST writes, or printed calls when `dryRunOut` is given. */
export async function frappeWriterFor(
  cfg: CloudConfig,
  logger: Logger,
  dryRunOut?: Writable,
): Promise<FrappeWriter> {
  const f = cfg.frappe;
  if (dryRunOut) {
    return new DryRunWriter({
      url: f.url,
      siteTimezone: f.site_timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      employeeFieldname: f.employee_fieldname,
      out: dryRunOut,
    });
  }
  const client = FrappeClient.fromConfig(f);
  // Frappe stores naive times in its System Settings zone: placing punches needs it (contract.md §4)
  const siteTimezone = f.site_timezone ?? (await readSiteTimezone(client));
  logger.info({ frappe: f.url, site_timezone: siteTimezone }, 'Frappe site');
  return new FrappeRestWriter({ client, siteTimezone, employeeFieldname: f.employee_fieldname });
}

/** `x05-gateway forwarder`: the cloud side, MQTT v5 shared subscription → Frappe. */
export async function startForwarderFromConfig(
  cfg: CloudConfig,
  logger: Logger,
  dryRunOut?: Writable,
): Promise<Forwarder> {
  return startForwarder({
    brokerUrl: cfg.broker.url,
    username: cfg.broker.username,
    password: cfg.broker.password,
    // stable across restarts: the broker keeps this client's session and queued punches
    clientId: cfg.broker.client_id ?? `x05-forwarder-${hostname()}`,
    shareGroup: cfg.share_group,
    topic: cfg.topic,
    sessionExpiryS: cfg.broker.session_expiry_s,
    writer: await frappeWriterFor(cfg, logger, dryRunOut),
    logger,
  });
}
