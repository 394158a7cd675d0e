import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { GatewayError } from '../../protocol/errors.js';
import type { BrokerConfig } from '../config/index.js';

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

/** The broker did not finish `operation` in time (the last will before a stop, say). */
export class BrokerTimeoutError extends GatewayError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super('X05_TIMEOUT', `broker: ${operation} not done within ${timeoutMs} ms`);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expire = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BrokerTimeoutError(operation, ms)), ms);
  });
  return Promise.race([p, expire]).finally(() => clearTimeout(timer));
}
