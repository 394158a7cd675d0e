import { encodeConfirmations, MAX_CONFIRM_IDS } from '../payload/index.js';

/** Where the delivery stages report a punch Frappe now holds. */
export interface HeldPunches {
  held(punchTopic: string, id: string): void;
}

/** Publishes one confirmation message (QoS 1); errors are the caller's to log. */
export type PublishConfirmation = (topic: string, payload: string) => void;

/**
 * Collects the ids of punches Frappe now holds and tells their gateways, on
 * `x05/v1/{site}/{device}/confirm` with the site and device levels of the topic each punch came on (so a
 * gateway hears exactly what it sent, whatever its payload claimed). Ids held in one turn of the event
 * loop (a batch) go out together, up to 1,000 per message. Not awaited: a confirmation the broker loses
 * only means the gateway publishes the punch again after its timeout, and this forwarder confirms it
 * again from the Raw Log it finds.
 */
export class Confirmer implements HeldPunches {
  readonly #pending = new Map<string, string[]>();
  #scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly publish: PublishConfirmation) {}

  /** The punch with `id`, received on `punchTopic`, is held by Frappe. */
  held(punchTopic: string, id: string): void {
    const topic = punchTopic.replace(/\/punch$/, '/confirm');
    let ids = this.#pending.get(topic);
    if (!ids) {
      ids = [];
      this.#pending.set(topic, ids);
    }
    ids.push(id);
    if (ids.length >= MAX_CONFIRM_IDS) this.flushTopic(topic);
    // a batch's punches are all held in the same turn: one message per topic, sent right after it
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends everything collected so far. */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    for (const topic of [...this.#pending.keys()]) this.flushTopic(topic);
  }

  private flushTopic(topic: string): void {
    const ids = this.#pending.get(topic) ?? [];
    this.#pending.delete(topic);
    for (const payload of encodeConfirmations(ids)) this.publish(topic, payload);
  }
}
