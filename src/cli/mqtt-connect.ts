import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { BrokerConfig } from '../config/schema.js';

/** MQTT client options from the broker section of a config; the password never reaches a log line. */
export function brokerOptions(b: BrokerConfig, extra: IClientOptions = {}): IClientOptions {
  return {
    ...(b.username ? { username: b.username } : {}),
    ...(b.password ? { password: b.password } : {}),
    ...(b.client_id ? { clientId: b.client_id } : {}),
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    // mqtt-packet's cache is 65,536 two-byte Buffers (≈ 6 MB of heap) to save one tiny allocation per packet
    writeCache: false,
    ...extra,
  };
}

export function connectBroker(b: BrokerConfig, extra: IClientOptions = {}): MqttClient {
  return mqtt.connect(b.url, brokerOptions(b, extra));
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expire = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, expire]).finally(() => clearTimeout(timer));
}
