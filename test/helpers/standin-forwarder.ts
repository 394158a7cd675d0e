import type { Logger } from 'pino';
import type { Test } from 'tap';
import { type Forwarder, type ForwarderOptions, startForwarder } from '../../src/forwarder/index.js';
import { FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { FrappeStandin, type StandinOptions } from './frappe-standin.js';

export type StandinForwarderOptions = Partial<ForwarderOptions> &
  Pick<ForwarderOptions, 'brokerUrl' | 'clientId' | 'shareGroup' | 'topic'> & {
    frappe: FrappeStandin;
    logger: Logger;
    /** The stand-in's System Settings zone. Default UTC. */
    siteTimezone?: string;
    /** The Frappe client's request timeout. Default 5 s. */
    frappeTimeoutMs?: number;
  };

/**
 * A forwarder with the production batching writer against a Frappe stand-in (API key `k`, secret `s`) and
 * retries fast enough for a test; anything else of ForwarderOptions may be set.
 */
export function standinForwarder(o: StandinForwarderOptions): Promise<Forwarder> {
  const { frappe, siteTimezone, frappeTimeoutMs, ...rest } = o;
  return startForwarder({
    sessionExpiryS: 300,
    retry: { initialMs: 20, maxMs: 200, slowMs: 100 },
    ...rest,
    writer: new FrappeBatchWriter({
      client: new FrappeClient({
        url: frappe.url,
        apiKey: 'k',
        apiSecret: 's',
        timeoutMs: frappeTimeoutMs ?? 5000,
      }),
      siteTimezone: siteTimezone ?? 'UTC',
    }),
  });
}

/** One active employee per device user, enrolled under the user's id (Employee.attendance_device_id). */
export function employeesOf(
  users: ReadonlyArray<{ userId: string }>,
): Array<{ employee_name: string; attendance_device_id: string }> {
  return users.map((u) => ({ employee_name: `E ${u.userId}`, attendance_device_id: u.userId }));
}

/**
 * A Frappe stand-in (key `k`, secret `s`, System Settings zone Asia/Kolkata) where each of `users` is an
 * active employee; closed when the test ends.
 */
export async function standinFor(
  t: Test,
  users: ReadonlyArray<{ userId: string }>,
  more: StandinOptions = {},
): Promise<FrappeStandin> {
  const frappe = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'Asia/Kolkata',
    employees: employeesOf(users),
    ...more,
  });
  t.teardown(() => frappe.close());
  return frappe;
}
