import { isTimeZone } from '../event/index.js';
import type { FrappeClient } from './client.js';
import { FrappeError } from './errors.js';

/** Frappe's own fallback when System Settings has no time zone (frappe §4, "Time and time zones"). */
export const FRAPPE_DEFAULT_TIMEZONE = 'Asia/Kolkata';

const TIME_ZONE_METHOD = 'frappe.client.get_time_zone';

/**
 * The site's system time zone, the zone every naive Datetime on the site is meant in. Read through
 * frappe.client.get_time_zone, which any user may call: System Settings itself is readable by System
 * Manager only, a role the run-time API user does not have.
 */
export async function readSiteTimezone(client: FrappeClient): Promise<string> {
  const json = await client.readMethod(TIME_ZONE_METHOD);
  const message = json.message as { time_zone?: unknown } | undefined;
  const set = message?.time_zone;
  const zone = typeof set === 'string' && set ? set : FRAPPE_DEFAULT_TIMEZONE;
  if (!isTimeZone(zone)) {
    throw new FrappeError({
      status: 200,
      httpMethod: 'GET',
      path: `/api/method/${TIME_ZONE_METHOD}`,
      method: TIME_ZONE_METHOD,
      detail: `time_zone ${JSON.stringify(zone)} is not an IANA zone this Node knows`,
    });
  }
  return zone;
}

const META_METHOD = 'frappe.desk.form.load.getdoctype';

/** Whether `doctype` has `fieldname`, Custom Fields included, from the meta the desk loads (any reader). */
export async function hasField(client: FrappeClient, doctype: string, fieldname: string): Promise<boolean> {
  const json = await client.readMethod(META_METHOD, { doctype });
  const docs = Array.isArray(json.docs) ? (json.docs as Array<{ name?: unknown; fields?: unknown }>) : [];
  const meta = docs.find((d) => d.name === doctype);
  const fields = Array.isArray(meta?.fields) ? (meta.fields as Array<{ fieldname?: unknown }>) : [];
  return fields.some((f) => f.fieldname === fieldname);
}

/**
 * `read`, done once and its answer kept (or `known` instead of reading at all); a failed read is forgotten,
 * so the next call asks the site again.
 */
export function readOnce<T>(read: () => Promise<T>, known?: T): () => Promise<T> {
  let kept: Promise<T> | undefined = known === undefined ? undefined : Promise.resolve(known);
  return () => {
    if (!kept) {
      const reading = read();
      reading.catch(() => {
        if (kept === reading) kept = undefined;
      });
      kept = reading;
    }
    return kept;
  };
}
