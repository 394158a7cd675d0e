import type { MqttClient, Packet } from 'mqtt';

const FIRST_HOLD_MS = 1000;
const MAX_HOLD_MS = 30_000;
/** MQTT 5 PUBACK reason: the broker accepted the message and gave it to nobody. */
const NO_MATCHING_SUBSCRIBERS = 16;

/**
 * Hears PUBACKs with reason 16 (no matching subscribers). mqtt.js counts those as success and hands the
 * publish callback the stored PUBLISH, not the PUBACK, so the reason is taken from the raw packet as it
 * arrives (before the callback runs) and matched by message id. While nobody subscribes, publishing holds
 * for a doubling pause and then probes with one message at a time until a PUBACK says someone took it.
 */
export class NoSubscriberWatch {
  private readonly refusedIds = new Set<number>();
  private holdUntil = 0;
  private backoffMs = 0;
  private announced = false;
  /** Publish one message at a time: the last answer was "no subscriber". */
  probing = false;
  private readonly onPacket = (p: Packet) => {
    if (p.cmd === 'puback' && p.reasonCode === NO_MATCHING_SUBSCRIBERS && p.messageId !== undefined)
      this.refusedIds.add(p.messageId);
  };

  constructor(
    private readonly client: MqttClient,
    private readonly now: () => number = Date.now,
  ) {
    client.on('packetreceive', this.onPacket);
  }

  /** Whether the publish with this message id was refused for lack of subscribers; updates the pause. */
  refused(messageId: number | undefined): boolean {
    if (messageId === undefined || !this.refusedIds.delete(messageId)) {
      this.backoffMs = 0;
      this.probing = false;
      this.announced = false;
      return false;
    }
    if (this.holdUntil <= this.now()) {
      this.backoffMs = this.backoffMs === 0 ? FIRST_HOLD_MS : Math.min(MAX_HOLD_MS, this.backoffMs * 2);
      this.holdUntil = this.now() + this.backoffMs;
    }
    return true;
  }

  /** How much longer to hold, ms (0: publish). */
  holdMs(): number {
    return Math.max(0, this.holdUntil - this.now());
  }

  /** The pause is over: go on one message at a time until one is taken. */
  probe(): void {
    this.probing = this.backoffMs > 0;
  }

  /** True the first time in a run of refusals, so the operator hears it once, not every second. */
  firstHold(): boolean {
    if (this.announced) return false;
    this.announced = true;
    return true;
  }

  detach(): void {
    this.client.off('packetreceive', this.onPacket);
  }
}
