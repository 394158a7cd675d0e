import { isPlaceholderStamp } from '../../protocol/adms/options.js';
import { encodePackedTime, parseWallTime } from '../../protocol/zk/time.js';
import { formatWallTimeIn } from '../event/index.js';

/**
 * What the gateway keeps per pushing terminal in the store, under `<serial>/push`: the stamps it echoes at
 * the handshake (adms-push §4.3), the packed time of the newest punch it holds from the terminal, and the
 * address of the last admitted handshake (admission.ts).
 */
export interface PushCursor {
  ATTLOG?: string;
  OPERLOG?: string;
  /** Packed time of the newest punch stored from this terminal's posts. */
  heldPacked?: number;
  address?: string;
}

export const pushCursorKey = (serial: string) => `${serial}/push`;

/** The packed form (§4.3) of a `YYYY-MM-DD HH:MM:SS` wall time; undefined when it is not one. */
export function packedWallTime(text: string): number | undefined {
  const w = parseWallTime(text);
  return w ? encodePackedTime(w) : undefined;
}

export type StampVerdict = { keep: string } | { keep: undefined; why?: string };

/**
 * Whether a posted Stamp may become the handshake's: a stamp tells the terminal "I hold everything up to
 * here", so one past what the store holds (a forged or corrupt `Stamp=4294967295`) would make it withhold
 * its real punches for good. An ATTLOG stamp is kept only up to the newest punch held; an OPERLOG stamp (user
 * rows carry no time) only up to the terminal's today. Placeholders mean "send everything" and are not kept.
 */
export function judgeStamp(
  table: 'ATTLOG' | 'OPERLOG',
  posted: string | null,
  limits: { heldPacked: number | undefined; timezone: string; now: number },
): StampVerdict {
  if (isPlaceholderStamp(posted)) return { keep: undefined };
  // the terminal reads a leading integer (§4.3): anything else would not echo back as the same cursor
  if (!/^\d{1,10}$/.test(posted!)) return { keep: undefined, why: 'not a packed time' };
  const value = Number(posted);
  const limit =
    table === 'ATTLOG'
      ? (limits.heldPacked ?? 0)
      : (packedWallTime(formatWallTimeIn(limits.now + 86_400_000, limits.timezone)) ?? 0);
  if (value > limit)
    return {
      keep: undefined,
      why: table === 'ATTLOG' ? 'beyond the newest punch held' : "beyond the terminal's today",
    };
  return { keep: posted! };
}
