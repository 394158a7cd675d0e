import { FrappeStandin, type StandinOptions } from './frappe-standin.js';

/** Parsed JSON that assertions reach into; tap's t.match checks the shape at run time. */
// biome-ignore lint/suspicious/noExplicitAny: test-side view of arbitrary Frappe JSON
export type Json = Record<string, any>;

/** A raw HTTP call to a Frappe (stand-in) with full control of headers, for contract tests. */
export interface RawReply {
  status: number;
  contentType: string;
  text: string;
  /** Parsed body when it is JSON. */
  json: Json;
}

export interface RawRequest {
  method?: string;
  /** Sent as-is; objects are JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  /** `token key:secret` unless given; `null` sends no Authorization header. */
  auth?: string | null;
}

export async function frappeFetch(base: string, path: string, r: RawRequest = {}): Promise<RawReply> {
  const headers: Record<string, string> = { Accept: 'application/json', ...r.headers };
  const auth = r.auth === undefined ? 'token key:secret' : r.auth;
  if (auth !== null) headers.Authorization = auth;
  const res = await fetch(`${base}${path}`, {
    method: r.method ?? (r.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(r.body === undefined ? {} : { body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) }),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    // HTML page
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json };
}

/** `_server_messages` decoded twice into message objects (frappe §3). */
export function serverMessages(body: Json): Json[] {
  const outer = JSON.parse(body._server_messages) as string[];
  return outer.map((s) => JSON.parse(s));
}

export const ADD_LOG_PATH =
  '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field';
export const RAW_LOG_PATH = '/api/resource/Attendance%20Raw%20Log';
export const JSON_CT = { 'Content-Type': 'application/json' };

/** The site the contract tests run against: key/secret, IST, one active, one Inactive, one Left employee. */
export async function contractSite(
  t: { teardown(fn: () => unknown): void },
  opts: StandinOptions = {},
): Promise<FrappeStandin> {
  const s = await FrappeStandin.start({
    apiKey: 'key',
    apiSecret: 'secret',
    timeZone: 'Asia/Kolkata',
    employees: [
      { employee_name: 'Jane Doe', attendance_device_id: '4711' },
      { employee_name: 'Idle Ian', attendance_device_id: '13', status: 'Inactive' },
      { employee_name: 'Gone Gail', attendance_device_id: '14', status: 'Left' },
    ],
    devices: ['X05-1'],
    ...opts,
  });
  t.teardown(() => s.close());
  return s;
}

/** add_log_based_on_employee_field arguments for Jane's IN punch, with overrides. */
export const addLogArgs = (extra: Record<string, unknown> = {}) => ({
  employee_field_value: '4711',
  timestamp: '2024-05-01 08:00:00',
  device_id: 'X05-1',
  log_type: 'IN',
  ...extra,
});
