import { topicLevel } from '../event/index.js';

/**
 * Retained status of one forwarder, one topic per client id: several forwarders share a group, and one
 * topic per group would let any of them overwrite (or, by its last will, mark offline) the others'.
 * Five levels, so it matches neither `x05/v1/+/+/punch` nor a gateway's `x05/v1/+/+/status`.
 * The forwarder builds its own topics (like the dead-letter one): it sits downstream of src/publish
 * (design.md, modules) and must not import it.
 */
export function forwarderStatusTopic(shareGroup: string, clientId: string): string {
  return `x05/v1/forwarder/${topicLevel(shareGroup)}/${topicLevel(clientId)}/status`;
}

/**
 * `running`: consuming; `auth_paused`: Frappe answers 401/403 (key rotated, roles removed), punches wait in
 * the broker until it accepts the key again; `offline`: stopped, or (last will) the connection died.
 */
export type ForwarderState =
  | { state: 'running'; since: string }
  | { state: 'auth_paused'; since: string; reason: string }
  | { state: 'offline'; since?: string };

/** The payload of the last will: the broker does not know when the connection died, so no `since`. */
export const OFFLINE_WILL: ForwarderState = { state: 'offline' };

/**
 * Holds the current state and publishes it (retained) whenever it changes, and again on every reconnect —
 * the last will may have replaced it meanwhile. `publish` must not wait for the broker's PUBACK: it is
 * called from the retry loop, and the main connection reads PUBACKs only between punches it admits.
 */
export class StatusReporter {
  #current: ForwarderState;

  constructor(private readonly publish: (payload: string) => void) {
    this.#current = { state: 'running', since: new Date().toISOString() };
  }

  get current(): ForwarderState {
    return this.#current;
  }

  /** Frappe refused the forwarder's key; `reason` is the FrappeError message (no secret in it). */
  authPaused(reason: string): void {
    if (this.#current.state === 'auth_paused') return;
    this.set({ state: 'auth_paused', since: new Date().toISOString(), reason });
  }

  running(): void {
    if (this.#current.state === 'running') return;
    this.set({ state: 'running', since: new Date().toISOString() });
  }

  republish(): void {
    this.publish(JSON.stringify(this.#current));
  }

  /** The clean-stop state (the will covers only an unclean end). */
  offline(): string {
    this.#current = { state: 'offline', since: new Date().toISOString() };
    return JSON.stringify(this.#current);
  }

  private set(s: ForwarderState): void {
    this.#current = s;
    this.republish();
  }
}
