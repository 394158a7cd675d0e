import type { Logger } from 'pino';
import type { SiteConfig } from '../config/index.js';
import type { PunchSink } from '../event/index.js';
import { type PushServer, startPushServer } from './push-server.js';
import type { PushUpload } from './uploads.js';

/** The gateway's push receiver from the site config's `push` section (none when it is absent). */
export async function startPushFromConfig(
  cfg: SiteConfig,
  sink: PunchSink,
  logger: Logger,
  onUpload?: (u: PushUpload) => void,
): Promise<PushServer | undefined> {
  const p = cfg.push;
  if (!p) return undefined;
  return startPushServer({
    host: p.host,
    port: p.port,
    site: cfg.site,
    devices: p.devices.map((d) => ({
      serial: d.serial,
      timezone: d.timezone,
      sendDate: d.send_date,
      keyEveryRequest: d.key_every_request,
      ...(d.token ? { token: d.token } : {}),
      ...(d.allowed_ips ? { allowedIps: d.allowed_ips } : {}),
    })),
    sink,
    logger,
    ...(onUpload ? { onUpload } : {}),
    bodyLimitBytes: p.body_limit_bytes,
    requestTimeoutMs: p.request_timeout_ms,
    settings: {
      delayS: p.delay_s,
      errorDelayS: p.error_delay_s,
      realtime: p.realtime,
      timeZoneUnit: p.timezone_option,
    },
  });
}
