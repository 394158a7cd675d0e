import { formatWallTimeIn, wallTimeToInstant } from '../event/index.js';

/** PunchEvent.device_time (wall time in the device zone) → naive site time for Frappe (frappe §4). */
export function toSiteTime(deviceTime: string, deviceZone: string, siteZone: string): string {
  return formatWallTimeIn(wallTimeToInstant(deviceTime, deviceZone), siteZone);
}
