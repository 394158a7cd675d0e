import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import {
  DEVICE_STATUS_TOPIC,
  type GatewayStatus,
  readGatewayStatus,
  readTerminalStatus,
  type TerminalStatus,
} from './device-status.js';
import { readSiteHealth, SITE_HEALTH_TOPIC, type SiteHealth } from './site-health.js';

/** What the gateways' retained messages are handed to: terminals' statuses, gateways' own, their health. */
export interface StatusHandlers {
  terminal(s: TerminalStatus): void;
  gateway(s: GatewayStatus): void;
  health(h: SiteHealth): void;
}

/**
 * Subscribes `client` to the statuses (the topic takes in the gateways' own too) and the gateways' health,
 * and hands each to its handler; returns the unsubscriber.
 */
export function watchDeviceStatus(client: MqttClient, on: StatusHandlers, logger: Logger): () => void {
  const onMessage = (topic: string, payload: Buffer) => {
    const g = readGatewayStatus(topic, payload);
    if (g) return on.gateway(g);
    const h = readSiteHealth(topic, payload);
    if (typeof h === 'string') return logger.warn({ topic, reason: h }, 'gateway health ignored');
    if (h) return on.health(h);
    const s = readTerminalStatus(topic, payload);
    if (typeof s === 'string') logger.warn({ topic, reason: s }, 'device status ignored');
    else if (s) on.terminal(s);
  };
  client.on('message', onMessage);
  // mqtt.js subscribes again after a reconnect, and the broker then resends the retained messages. A broker
  // whose ACL predates the health line grants the subscription and delivers nothing on it (Mosquitto
  // checks reads per message): the fleet page then shows no health for any site.
  client.subscribe([DEVICE_STATUS_TOPIC, SITE_HEALTH_TOPIC], { qos: 1 }, (err) => {
    if (err)
      logger.warn(
        { err },
        'cannot read device statuses; Biometric Device records follow punches only, the fleet page stays empty',
      );
  });
  return () => {
    client.off('message', onMessage);
  };
}
