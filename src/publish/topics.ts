import { topicLevel } from '../event/index.js';

/** MQTT topic names (design.md, MQTT). */
export const punchTopic = (site: string, deviceId: string) => `x05/v1/${site}/${deviceId}/punch`;
export const deviceStatusTopic = (site: string, deviceId: string) => `x05/v1/${site}/${deviceId}/status`;
export const gatewayStatusTopic = (site: string) => `x05/v1/${site}/gateway/status`;
/** Retained gateway health: queue depth, disk use, publish counters. */
export const gatewayHealthTopic = (site: string) => `x05/v1/${topicLevel(site)}/gateway/health`;

/** What a site's gateway subscribes to: the confirmations of all its devices. */
export const confirmSubscription = (site: string) => `x05/v1/${site}/+/confirm`;
