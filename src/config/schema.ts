import { z } from 'zod';

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
    record_size: z.union([z.literal(40), z.literal(16), z.literal(8)]).optional(),
  })
  .strict();

export const SiteConfigSchema = z
  .object({
    site: topicSegment,
    data_dir: z.string().min(1),
    broker: BrokerSchema,
    devices: z.array(DeviceSchema).default([]),
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
  })
  .strict();

export const CloudConfigSchema = z
  .object({
    broker: BrokerSchema.extend({
      session_expiry_s: z
        .number()
        .int()
        .positive()
        .default(7 * 24 * 3600),
    }).strict(),
    share_group: topicSegment.default('x05-forwarder'),
    /** Narrow to one site with e.g. `x05/v1/hq/+/punch`. */
    topic: z.string().default('x05/v1/+/+/punch'),
    frappe: FrappeSchema,
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .strict();

export type SiteConfig = z.infer<typeof SiteConfigSchema>;
export type DeviceConfig = z.infer<typeof DeviceSchema>;
export type CloudConfig = z.infer<typeof CloudConfigSchema>;
export type BrokerConfig = z.infer<typeof BrokerSchema>;
