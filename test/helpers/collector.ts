import mqtt, { type MqttClient } from 'mqtt';
import type { PunchEvent } from '../../src/event/punch-event.js';
import { Confirmer } from '../../src/forwarder/confirmer.js';

/**
 * A plain MQTT subscriber that records every punch it receives, redeliveries included, and confirms each
 * to its gateway as a forwarder would once Frappe holds it: the collector is where punches end here.
 */
export class PunchCollector {
  readonly received: PunchEvent[] = [];
  readonly retained = new Map<string, string>();

  private constructor(readonly client: MqttClient) {}

  /** With a clientId the session is persistent: the broker keeps what arrives while the collector is away. */
  static async start(url: string, topic = 'x05/v1/#', clientId?: string): Promise<PunchCollector> {
    const client = await mqtt.connectAsync(url, {
      reconnectPeriod: 200,
      ...(clientId ? { clientId, clean: false } : {}),
    });
    const c = new PunchCollector(client);
    const confirmer = new Confirmer((t, payload) => client.publish(t, payload, { qos: 1 }));
    client.on('message', (t, payload) => {
      if (t.endsWith('/punch')) {
        const e = JSON.parse(payload.toString()) as PunchEvent;
        c.received.push(e);
        confirmer.held(t, e.id);
      } else if (!t.endsWith('/confirm'))
        // status and health are retained; a subscriber already present gets them with the retain flag off
        c.retained.set(t, payload.toString());
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return c;
  }

  uniqueIds(): Set<string> {
    return new Set(this.received.map((e) => e.id));
  }

  async waitFor(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.uniqueIds().size < n) {
      if (Date.now() > deadline)
        throw new Error(`received ${this.uniqueIds().size} of ${n} punches in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
