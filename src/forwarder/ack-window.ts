import type { IPublishPacket, MqttClient } from 'mqtt';
import { GatewayError } from '../../protocol/errors.js';

/** One message in hand: its PUBACK goes out once it and every message received before it are done. */
export interface AckSlot {
  readonly messageId: number;
  /** Aborted when the connection that delivered the message closes: its PUBACK can no longer be sent. */
  readonly connection: AbortSignal;
  /** true: Frappe (or the dead-letter topic) holds it; false: leave it to redelivery. */
  done(ok: boolean): void;
}

interface Entry {
  messageId: number;
  state: 'open' | 'ok' | 'dropped';
  /** When it was taken, ms: the age of the oldest message in hand is a health figure. */
  at: number;
}

/**
 * Up to `size` unacknowledged messages in hand on one MQTT connection, PUBACKs sent in arrival order.
 *
 * Why: mqtt.js reads the next packet of a connection only after the current PUBLISH's ack callback ran
 * (build/lib/handlers/publish.js: the stream's `done` is passed to the PUBACK write). Deferring that
 * callback until Frappe holds the punch — the old way — means one punch in hand per connection: no
 * batches, and no PINGRESP read during a long write. The alternative, K connections in one share group,
 * gives K persistent sessions whose queued punches are stranded if K is ever lowered. So the callback is
 * run at once, but the PUBACK it would send is held back: `client.handleMessage` (the documented hook
 * mqtt.js calls just before the PUBACK) answers with an error, which makes mqtt.js skip the PUBACK and
 * carry on reading; the PUBACK is sent later through the client's own packet writer, in arrival order,
 * as MQTT 5 §4.6 requires of QoS 1 acknowledgements. MQTT 5 Receive Maximum (set to `size` on CONNECT)
 * keeps the broker from sending more than that unacknowledged; `admit` also waits for room, which covers
 * MQTT 3.1.1 brokers (no Receive Maximum) by holding the stream exactly as before.
 * Pinned to mqtt.js 5.x internals (`_sendPacket`); test/forwarder/ack-window.test.ts fails if they change.
 */
export class AckWindow {
  readonly size: number;
  #entries: Entry[] = [];
  #waiters: Array<() => void> = [];
  #connection = new AbortController();
  /** Set once a message was dropped: no later PUBACK may overtake it on this connection. */
  #blocked = false;
  /** The forwarder is stopping: drops are expected and the connection ends anyway. */
  #closing = false;
  #client: MqttClient | undefined;

  readonly #onPuback: () => void;

  /** `onPuback` runs for each PUBACK actually sent: the count of acknowledged messages. */
  constructor(size: number, onPuback: () => void = () => {}) {
    this.size = size;
    this.#onPuback = onPuback;
  }

  /** Messages received and not yet acknowledged or dropped on the current connection. */
  get inHand(): number {
    return this.#entries.length;
  }

  /** When the oldest message still in hand (not yet acknowledged) was taken, ms. */
  get oldestAt(): number | undefined {
    return this.#entries[0]?.at;
  }

  /** Installs the deferral on `client`; call before the first PUBLISH can arrive. */
  attach(client: MqttClient): void {
    this.#client = client;
    client.handleMessage = (_packet: IPublishPacket, callback: (err?: Error) => void) => {
      callback(PUBACK_DEFERRED);
    };
    client.on('close', () => this.reset());
  }

  /** Waits for room, then takes the message; run the ack callback right after (it sends nothing). */
  async admit(messageId: number): Promise<AckSlot> {
    while (this.#entries.length >= this.size) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const entry: Entry = { messageId, state: 'open', at: Date.now() };
    this.#entries.push(entry);
    const connection = this.#connection.signal;
    return {
      messageId,
      connection,
      done: (ok) => {
        if (connection.aborted || entry.state !== 'open') return;
        entry.state = ok ? 'ok' : 'dropped';
        this.flush();
      },
    };
  }

  /** The forwarder is stopping: a dropped message no longer cuts the connection. */
  close(): void {
    this.#closing = true;
  }

  /** The connection closed: nothing in hand can be acknowledged any more; the broker redelivers it. */
  reset(): void {
    this.#connection.abort();
    this.#connection = new AbortController();
    this.#entries = [];
    this.#blocked = false;
    this.wake();
  }

  private flush(): void {
    while (this.#entries[0] && this.#entries[0].state !== 'open') {
      const head = this.#entries.shift()!;
      if (head.state === 'dropped') {
        if (!this.#blocked) this.cut();
        this.#blocked = true;
      } else if (!this.#blocked) this.sendPuback(head.messageId);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * A dropped message blocks every later PUBACK on this connection (they must go out in order), and the
   * broker stops sending once Receive Maximum messages are unacknowledged: without this, a silent stall
   * with the keepalive still answered. Cutting the connection makes the broker redeliver everything
   * unacknowledged on the resumed session; mqtt.js reconnects by itself.
   */
  private cut(): void {
    const client = this.#client;
    if (this.#closing || !client?.connected) return;
    client.stream.end();
  }

  private sendPuback(messageId: number): void {
    const client = this.#client as unknown as PacketWriter | undefined;
    // not connected: mqtt.js would queue it for the next connection, where the id may mean another message
    if (!client?.connected) return;
    client._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 }, () => {});
    this.#onPuback();
  }
}

/** Not a failure: tells mqtt.js's publish handler to skip its own PUBACK (see AckWindow). */
class PubackDeferred extends GatewayError {
  constructor() {
    super('X05_CONTROL', 'PUBACK deferred until Frappe holds the punch');
  }
}
const PUBACK_DEFERRED = new PubackDeferred();

interface PacketWriter {
  connected: boolean;
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode: number }, cb: () => void): void;
}
