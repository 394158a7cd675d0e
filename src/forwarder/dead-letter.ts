/** Where payloads that are not a valid PunchEvent go, with why (design.md, MQTT). */
export const DEAD_LETTER_TOPIC = 'x05/v1/deadletter';

export interface DeadLetter {
  reason: string;
  /** Field path of the problem, e.g. `device_time`; empty for the whole payload. */
  path: string;
  topic: string;
  /** The payload as UTF-8 text when it is valid UTF-8, else null (then only base64 is exact). */
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
  const text = payload.toString('utf8');
  return {
    reason,
    path,
    topic,
    payload: Buffer.from(text, 'utf8').equals(payload) ? text : null,
    payload_base64: payload.toString('base64'),
    forwarder,
    at: new Date().toISOString(),
  };
}
