import { z } from 'zod';
import { allowedIpProblem, discoverEntryProblem } from '../address/index.js';

/** The forwarders' MQTT share group when the config names none; also the forwarder's program name. */
export const DEFAULT_SHARE_GROUP = 'x05-forwarder';

const ianaZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not an IANA time zone (e.g. Asia/Kolkata)' },
);

const topicSegment = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only (it is an MQTT topic level)');

export const BrokerSchema = z
  .object({
    url: z.string().regex(/^(mqtts?|wss?|tcp|tls):\/\//, 'must start with mqtt:// or mqtts://'),
    username: z.string().optional(),
    password: z.string().optional(),
    client_id: z.string().optional(),
    /** 5 (default); 4 (MQTT 3.1.1) only for a broker without MQTT 5, which cannot say "no subscriber". */
    protocol_version: z.union([z.literal(4), z.literal(5)]).default(5),
  })
  .strict();

export const DeviceSchema = z
  .object({
    name: z.string().optional(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(4370),
    /** Expected serial; a different terminal at this address is refused. */
    serial: z.string().optional(),
    timezone: ianaZone,
    poll_interval_s: z.number().positive().default(60),
    timeout_ms: z.number().int().positive().default(5000),
    record_size: z
      .union([z.literal(40), z.literal(49), z.literal(22), z.literal(16), z.literal(8)])
      .optional(),
    /** Comm key set on the terminal (menu "Comm Key", 0 = none). A secret: redacted from logs. */
    comm_key: z.number().int().min(0).max(999_999).optional(),
    /** Hold a realtime session (CMD_REG_EVENT) instead of polling; a catch-up read follows every connect. Default false. */
    realtime: z.boolean().optional(),
    /** Realtime idle probe period; a dead link is noticed within heartbeat_s + timeout_ms. Default 30. */
    heartbeat_s: z.number().positive().optional(),
    /** Warn when the device clock is off by more than this many seconds. Default 60. */
    drift_warn_s: z.number().nonnegative().optional(),
    /** Set the device clock from the gateway's (NTP-synced) clock when it drifts past drift_warn_s. Default false. */
    set_time: z.boolean().optional(),
    /** `udp` for older terminals that only answer datagrams (same port, no envelope). Default tcp. */
    transport: z.enum(['tcp', 'udp']).optional(),
    /**
     * Where to look for this terminal when it stops answering at `host` or another serial answers there (a
     * new DHCP lease): a CIDR block (`192.168.1.0/24`), a range (`192.168.1.20-60`), a host, or a list of
     * them. The terminal is found by `serial`, which is then required.
     */
    discover: z
      .union([z.string(), z.array(z.string()).min(1)])
      .transform((v) => (typeof v === 'string' ? [v] : v))
      .check((ctx) => {
        for (const [i, entry] of ctx.value.entries()) {
          const problem = discoverEntryProblem(entry);
          if (problem) ctx.issues.push({ code: 'custom', message: problem, input: entry, path: [i] });
        }
      })
      .optional(),
  })
  .strict()
  .refine((d) => d.discover === undefined || d.serial !== undefined, {
    message: 'discover finds a terminal by its serial: set serial too',
    path: ['serial'],
  });

/** How the gateway scans `discover` addresses for a terminal that moved (every key optional). */
export const DiscoverySchema = z
  .object({
    /** Connect and answer timeout of each probe; most candidates are empty addresses. Default 1000. */
    timeout_ms: z.number().int().positive().default(1000),
    /** Probes at once. Default 16. */
    concurrency: z.number().int().min(1).max(256).default(16),
  })
  .strict();

/** A terminal allowed to push (adms-push); anything not listed is refused with 403 and stored nowhere. */
export const PushDeviceSchema = z
  .object({
    serial: z.string().min(1),
    /** IANA zone of the terminal clock: sent as the handshake `TimeZone=` and written into each punch. */
    timezone: ianaZone,
    /**
     * Push comm key set on the terminal. When set, every request must carry it, or come from the address
     * of the terminal's last keyed handshake (old firmware sends it on the handshake only). A secret.
     */
    token: z.string().min(1).optional(),
    /** Refuse any request without the key (firmware that sends it on every request). Default false. */
    key_every_request: z.boolean().default(false),
    /** Addresses or CIDR ranges the terminal may call from, e.g. ["192.168.1.20", "10.0.5.0/24"]. */
    allowed_ips: z
      .array(
        z.string().superRefine((entry, ctx) => {
          const problem = allowedIpProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .min(1)
      .optional(),
    /** false: no `Date` header, so the gateway's own clock never sets this terminal's. Default true. */
    send_date: z.boolean().default(true),
  })
  .strict();

/** The iclock push receiver (`/iclock/…` over HTTP); terminals in cloud/ADMS mode call it. */
export const PushSchema = z
  .object({
    /** Listen on the site LAN address, not on every interface (adms-push §8). */
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(1).max(65535).default(8081),
    devices: z.array(PushDeviceSchema).min(1),
    body_limit_bytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** A request (headers and body) taking longer is cut off. */
    request_timeout_ms: z.number().int().positive().default(30_000),
    /** getrequest poll interval the terminals are told (`Delay`). */
    delay_s: z.number().int().positive().default(10),
    /** Retry pause after a failed request (`ErrorDelay`). */
    error_delay_s: z.number().int().positive().default(30),
    /** `TimeZone=` as hours for whole-hour zones (auto) or always as minutes. */
    timezone_option: z.enum(['auto', 'minutes']).default('auto'),
    realtime: z.boolean().default(true),
  })
  .strict();

/** The watched import folder for USB exports. */
export const ImportSchema = z
  .object({
    watch_dir: z.string().min(1),
    /** Default <watch_dir>/processed. */
    processed_dir: z.string().min(1).optional(),
    /** Default <watch_dir>/failed. */
    failed_dir: z.string().min(1).optional(),
    /** File name prefix (machine number, e.g. "1" of 1_attlog.dat) → terminal serial. */
    devices: z.record(z.string(), z.string().min(1)).default({}),
    /** Zone for a serial configured nowhere else (devices, push.devices). */
    timezone: ianaZone.optional(),
    /** Day/month order of CSV exports; CSV files are refused without it (never guessed). */
    csv_date_order: z.enum(['DMY', 'MDY', 'YMD']).optional(),
    /** Replaced by `time.min`: an early punch is now kept and parked, no longer dropped at import. */
    earliest: z
      .never({ error: 'replaced by time.min (punches before it are kept and parked, no longer dropped)' })
      .optional(),
    scan_interval_s: z.number().positive().default(5),
  })
  .strict();

/** When a punch time counts as impossible: kept in the raw log, parked in Frappe, never a Checkin. */
export const TimeSchema = z
  .object({
    /** Earlier device dates come from a terminal whose clock was reset. YYYY-MM-DD. */
    min: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
      .default('2000-01-01'),
    /** How far ahead of this machine's clock a punch may lie, seconds. */
    max_future_s: z.number().min(0).default(86_400),
  })
  .strict();

export const OpsSchema = z
  .object({
    /** `host:port`; keep it on loopback or the site LAN — it has no login. */
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464')
      .nullable()
      .default('127.0.0.1:9464'),
    /**
     * DNS names the endpoint may be reached by, besides IP addresses and localhost (e.g. `gw-hq.lan`):
     * a request naming any other host is refused, which stops a web page from reading it by DNS rebinding.
     */
    host_names: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const SiteConfigSchema = z
  .object({
    site: topicSegment,
    data_dir: z.string().min(1),
    broker: BrokerSchema,
    devices: z.array(DeviceSchema).default([]),
    /** Scan settings for devices with `discover`. */
    discovery: DiscoverySchema.default({ timeout_ms: 1000, concurrency: 16 }),
    /** Terminals that push over HTTP (ADMS/iclock) instead of being pulled. */
    push: PushSchema.optional(),
    /** A folder the gateway imports USB exports from. */
    import: ImportSchema.optional(),
    /** How long the store keeps what, and how much disk it must leave free (docs/operations.md, what happens when…). */
    store: z
      .object({
        raw_days: z.number().positive().default(90),
        dedup_days: z.number().positive().default(400),
        min_free_mb: z.number().min(0).default(256),
      })
      .strict()
      .default({ raw_days: 90, dedup_days: 400, min_free_mb: 256 }),
    /**
     * Publishing to the broker: unacknowledged window, top rate (a week's backlog must not flood it), and
     * the confirmation loop (docs/operations.md, what happens when…).
     */
    publish: z
      .object({
        window: z.number().int().positive().default(256),
        max_rate: z.number().min(0).default(2000),
        /** Keep each punch until the forwarder confirms Frappe holds it. false: the broker's PUBACK ends it. */
        confirm: z.boolean().default(true),
        /** A sent punch unconfirmed this long is published again; later waits double up to resend_cap_s. */
        confirm_timeout_s: z.number().positive().default(300),
        resend_cap_s: z.number().positive().default(3600),
        /** Punches sent and not yet confirmed, at most; more wait on disk (docs/operations.md, broker and forwarder instances). */
        confirm_window: z.number().int().positive().default(1000),
        /** How long the broker keeps the gateway's session (its confirmations) while it is offline. */
        session_expiry_s: z
          .number()
          .int()
          .positive()
          .default(7 * 24 * 3600),
      })
      .strict()
      .default({
        window: 256,
        max_rate: 2000,
        confirm: true,
        confirm_timeout_s: 300,
        resend_cap_s: 3600,
        confirm_window: 1000,
        session_expiry_s: 7 * 24 * 3600,
      }),
    /** Punch times outside these bounds are counted (x05_punches_implausible_total) and parked downstream. */
    time: TimeSchema.default({ min: '2000-01-01', max_future_s: 86_400 }),
    /** When /healthz turns red. */
    health: z
      .object({
        /** The oldest unconfirmed punch may wait this long before the gateway counts as unhealthy. */
        max_unconfirmed_age_s: z.number().positive().default(3600),
      })
      .strict()
      .default({ max_unconfirmed_age_s: 3600 }),
    /** /metrics, /healthz, /status and a status page; `null` turns it off (docs/operations.md). */
    ops: OpsSchema.default({ listen: '127.0.0.1:9464', host_names: [] }),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export const FrappeSchema = z
  .object({
    url: z.string().url(),
    api_key: z.string().min(1),
    /** May come from X05_FRAPPE_API_SECRET instead, to keep it out of the file. */
    api_secret: z.string().min(1).optional(),
    timeout_ms: z.number().int().positive().default(15000),
    employee_fieldname: z.string().default('attendance_device_id'),
    /** Frappe's System Settings time zone; read from the site when absent. */
    site_timezone: ianaZone.optional(),
    /** https:// with a private CA: PEM file of that CA, trusted for the Frappe site only (else the system CAs). */
    ca_file: z.string().min(1).optional(),
  })
  .strict();

export const CloudConfigSchema = z
  .object({
    broker: BrokerSchema.extend({
      /** mqtts://: PEM file of the CA that signed the broker's certificate (else the system CAs). */
      ca_file: z.string().min(1).optional(),
      /** mqtts:// certificate login: this forwarder's certificate and key (PEM files). */
      cert_file: z.string().min(1).optional(),
      key_file: z.string().min(1).optional(),
      session_expiry_s: z
        .number()
        .int()
        .positive()
        .default(7 * 24 * 3600),
    }).strict(),
    share_group: topicSegment.default(DEFAULT_SHARE_GROUP),
    /** Narrow to one site with e.g. `x05/v1/hq/+/punch`. */
    topic: z.string().default('x05/v1/+/+/punch'),
    frappe: FrappeSchema,
    /** Punch times outside these bounds become a Raw Log with status Error, never a Checkin. */
    time: TimeSchema.default({ min: '2000-01-01', max_future_s: 86_400 }),
    /** Batching towards Frappe; every key optional, defaults in src/forwarder. */
    forwarder: z
      .object({
        /**
         * This instance's name and MQTT client id: stable across restarts (its persistent session belongs to
         * it), different for every instance running at once. Default: broker.client_id, else x05-forwarder-<host>.
         */
        instance: topicSegment.optional(),
        /** Other instances of the share group offline this long are retired from it; 0 = never. Default 3600. */
        retire_after_s: z.number().min(0).optional(),
        /** healthz turns red when a message has been in hand (not yet in Frappe) this long. Default 600. */
        max_in_hand_age_s: z.number().positive().optional(),
        /** Punches per insert_many (Frappe caps a call at 200). Default 200. */
        batch_size: z.number().int().min(1).max(200).optional(),
        /** How long a batch waits to fill. Default 20. */
        linger_ms: z.number().int().min(0).max(10_000).optional(),
        /** Unacknowledged punches in hand (MQTT 5 Receive Maximum). Default 4 × batch_size. */
        max_in_flight: z.number().int().min(1).max(65_535).optional(),
        /** Raw Log status PUTs at once (only for Raw Logs an older version left Pending). Default 16. */
        status_concurrency: z.number().int().min(1).max(256).optional(),
        /** How long an employee lookup is trusted, seconds. Default 60. */
        employee_cache_s: z.number().min(0).optional(),
        /** Period of the pass that writes Unmapped punches whose mapping appeared, seconds; 0 = off. Default 300. */
        unmapped_retry_s: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    /** The Biometric Device records the forwarder keeps in Frappe; defaults in src/forwarder. */
    devices: z
      .object({
        /** A terminal whose gateway sent no status for this long is marked offline in ERPNext. Default 86400. */
        stale_after_s: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** Terminal serial → fixed direction, for IN-only or OUT-only terminals (else from the punch code). */
    device_log_types: z.record(z.string(), z.enum(['IN', 'OUT'])).optional(),
    /** Shift Types whose last_sync_of_checkin advances once all their terminals are written (auto attendance). */
    shift_types: z
      .array(z.object({ name: z.string().min(1), devices: z.array(z.string().min(1)).min(1) }).strict())
      .optional(),
    /** /status, /healthz, /metrics of the forwarder; a second forwarder on one machine needs its own port. */
    ops: OpsSchema.default({ listen: '127.0.0.1:9465', host_names: [] }),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export type SiteConfig = z.infer<typeof SiteConfigSchema>;
export type DeviceConfig = z.infer<typeof DeviceSchema>;
export type CloudConfig = z.infer<typeof CloudConfigSchema>;
export type BrokerConfig = z.infer<typeof BrokerSchema>;
