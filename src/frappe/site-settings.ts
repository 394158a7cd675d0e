import { isTimeZone } from '../event/wall-clock.js';
import type { FrappeClient } from './client.js';
import { FrappeError } from './errors.js';

/** Frappe's own fallback when System Settings has no time zone (contract.md §4, "Time and time zones"). */
export const FRAPPE_DEFAULT_TIMEZONE = 'Asia/Kolkata';

/** System Settings → time_zone, the zone every naive Datetime on the site is meant in. */
export async function readSiteTimezone(client: FrappeClient): Promise<string> {
  const doc = await client.getDoc('System Settings', 'System Settings');
  const zone = typeof doc.time_zone === 'string' && doc.time_zone ? doc.time_zone : FRAPPE_DEFAULT_TIMEZONE;
  if (!isTimeZone(zone)) {
    throw new FrappeError({
      status: 200,
      httpMethod: 'GET',
      path: '/api/resource/System Settings/System Settings',
      doctype: 'System Settings',
      detail: `time_zone ${JSON.stringify(zone)} is not an IANA zone this Node knows`,
    });
  }
  return zone;
}
