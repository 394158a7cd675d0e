import type { PunchEvent } from '../event/index.js';
import { isTimeZone, topicLevel } from '../event/index.js';
import type { FrappeWriter, WriteOutcome } from '../frappe/index.js';
import { decodePunchEvent, PayloadError } from '../payload/index.js';
import type { HeldPunches } from './confirmer.js';
import { type DeadLetter, deadLetter } from './dead-letter.js';
import type { KeySerial } from './key-serial.js';
import { Aborted, type RetryDeps, retrying } from './retry.js';

export interface DeliveryDeps extends RetryDeps {
  forwarder: string;
  writer: FrappeWriter;
  serial: KeySerial;
  /** Resolves once the broker holds the dead letter. */
  publishDeadLetter(dl: DeadLetter): Promise<void>;
  /** Tells the punch's gateway that Frappe holds it. */
  confirmer: HeldPunches;
}

/**
 * Takes one MQTT message to Frappe. true: acknowledge it (Frappe or the dead-letter topic holds it);
 * false: leave it unacknowledged, because the forwarder is stopping or the connection is gone — the broker
 * redelivers it on the resumed session.
 */
export async function deliver(
  deps: DeliveryDeps,
  topic: string,
  payload: Buffer,
  signal: AbortSignal,
): Promise<boolean> {
  deps.stats.received++;
  const read = readPunch(topic, payload, deps.forwarder);
  if ('letter' in read) {
    if (!(await untilAborted(deps.publishDeadLetter(read.letter), signal))) return false;
    deps.stats.deadLettered++;
    deps.logger.warn(
      { topic, reason: read.letter.reason, path: read.letter.path },
      'bad payload sent to the dead-letter topic',
    );
    return true;
  }
  const e = read.event;
  return deps.serial.run(e.user_id, () => writeWithRetry(deps, topic, e, signal));
}

async function writeWithRetry(
  deps: DeliveryDeps,
  topic: string,
  e: PunchEvent,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    const outcome = await retrying(deps, `punch ${e.id}`, signal, () => deps.writer.writePunch(e));
    count(deps, e, outcome);
    deps.confirmer.held(topic, e.id);
    return true;
  } catch (err) {
    if (err instanceof Aborted) return false;
    throw err;
  }
}

/**
 * One MQTT message as a PunchEvent, or the dead letter that takes its place. Never throws: whatever goes
 * wrong with one message (a payload no check foresaw included) is that message's dead letter, so one
 * poisoned message can neither end the process nor come back on every restart.
 */
export function readPunch(
  topic: string,
  payload: Buffer,
  forwarder: string,
): { event: PunchEvent } | { letter: DeadLetter } {
  try {
    return { event: parsePunchPayload(topic, payload) };
  } catch (err) {
    const [reason, path] =
      err instanceof PayloadError ? [err.reason, err.path] : [`could not be read: ${String(err)}`, ''];
    return { letter: deadLetter(reason, path, topic, payload, forwarder) };
  }
}

/**
 * An MQTT message as a PunchEvent, or a PayloadError naming the field: bad JSON, schema, version, an id
 * that is not its hash, a zone this Node cannot place (the Checkin time could not be computed), or a site
 * or device other than the topic's. Trust follows the topic: the broker's ACL lets a site's credential
 * publish only under its own `x05/v1/{site}/…`, so a payload naming another site or device is a leaked or
 * misused credential, never a punch.
 */
export function parsePunchPayload(topic: string, payload: Buffer): PunchEvent {
  const event = decodePunchEvent(payload);
  if (!isTimeZone(event.timezone))
    throw new PayloadError('not an IANA time zone this Node knows', 'timezone');
  const [, , site, device] = topic.split('/');
  if (topicLevel(event.site) !== site)
    throw new PayloadError(
      `names site ${JSON.stringify(event.site)} but came on site ${JSON.stringify(site)}'s topic`,
      'site',
    );
  if (topicLevel(event.device_id) !== device)
    throw new PayloadError(
      `names device ${JSON.stringify(event.device_id)} but came on device ${JSON.stringify(device)}'s topic`,
      'device_id',
    );
  return event;
}

function count(deps: DeliveryDeps, e: PunchEvent, out: WriteOutcome): void {
  const s = deps.stats;
  const ctx = { event: e.id, device: e.device_id, user: e.user_id, status: out.status };
  switch (out.status) {
    case 'Synced':
      s.synced++;
      deps.logger.debug({ ...ctx, checkin: out.checkin, via: out.via }, 'punch written');
      break;
    case 'Unmapped':
      s.unmapped++;
      deps.logger.warn({ ...ctx, message: out.message }, 'no employee for this device user; Raw Log parked');
      break;
    case 'Error':
      s.rejected++;
      deps.logger.warn({ ...ctx, message: out.message }, 'HRMS refused the punch; Raw Log parked as Error');
      break;
  }
}

/** Waits for `p`; false if `signal` aborts first (p keeps running; its outcome is ignored). */
async function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<boolean>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p.then(() => true), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
