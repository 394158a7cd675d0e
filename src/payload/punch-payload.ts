import { GatewayError } from '../../protocol/errors.js';
import { MAX_PUNCH_PAYLOAD_BYTES, type PunchEvent, punchEventId } from '../event/index.js';
import { PunchEventSchema } from './punch-event-schema.js';

/** A payload that is not a valid PunchEvent; `reason` says which field, for the dead-letter topic. */
export class PayloadError extends GatewayError {
  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super('X05_PAYLOAD', `bad PunchEvent payload at ${path || '(root)'}: ${reason}`);
  }
}

export function encodePunchEvent(e: PunchEvent): Buffer {
  return Buffer.from(JSON.stringify(e));
}

/** Parses and validates an MQTT payload, including that the id really is the hash of its fields. */
export function decodePunchEvent(payload: Uint8Array | string): PunchEvent {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  // refused before parsing: nothing of a payload this size can be a punch
  if (size > MAX_PUNCH_PAYLOAD_BYTES) {
    throw new PayloadError(`${size} bytes; a PunchEvent is at most ${MAX_PUNCH_PAYLOAD_BYTES}`, '');
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw new PayloadError(`not JSON (${(err as Error).message})`, '');
  }
  if (json && typeof json === 'object' && 'v' in json && (json as { v: unknown }).v !== 1) {
    throw new PayloadError(`unknown schema version ${JSON.stringify((json as { v: unknown }).v)}`, 'v');
  }
  const parsed = PunchEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PayloadError(issue.message, issue.path.join('.'));
  }
  const e = parsed.data;
  if (punchEventId(e.device_id, e.user_id, e.device_time, e.punch) !== e.id) {
    throw new PayloadError('id is not sha1(device_id|user_id|device_time|punch)', 'id');
  }
  return e;
}
