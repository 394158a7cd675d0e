/** Where payloads that are not a valid PunchEvent go, with why (design.md, MQTT). */
export const DEAD_LETTER_TOPIC = 'x05/v1/deadletter';

/**
 * Bytes of the payload a dead letter carries: with its base64 twin and the rest it stays under 64 KB, so
 * a poisoned message of any size costs the broker and whoever reads the topic little.
 */
export const DEAD_LETTER_PAYLOAD_BYTES = 16 * 1024;

export interface DeadLetter {
  reason: string;
  /** Field path of the problem, e.g. `device_time`; empty for the whole payload. */
  path: string;
  topic: string;
  /** The payload's size; only its first DEAD_LETTER_PAYLOAD_BYTES travel on. */
  payload_bytes: number;
  truncated: boolean;
  /** Those bytes as UTF-8 text when they are valid UTF-8, else null (then only base64 is exact). */
  payload: string | null;
  payload_base64: string;
  forwarder: string;
  at: string;
}

export function deadLetter(
  reason: string,
  path: string,
  topic: string,
  payload: Buffer,
  forwarder: string,
): DeadLetter {
  const head = payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES);
  const text = head.toString('utf8');
  return {
    reason: reason.length > 1000 ? `${reason.slice(0, 997)}...` : reason,
    path: path.slice(0, 200),
    topic,
    payload_bytes: payload.byteLength,
    truncated: head.byteLength < payload.byteLength,
    payload: Buffer.from(text, 'utf8').equals(head) ? text : null,
    payload_base64: head.toString('base64'),
    forwarder,
    at: new Date().toISOString(),
  };
}
