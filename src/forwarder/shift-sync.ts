import type { Logger } from 'pino';
import { formatWallTimeIn } from '../event/index.js';
import type { FrappeClient } from '../frappe/index.js';

export const SHIFT_TYPE_DOCTYPE = 'Shift Type';

/** A Shift Type whose auto attendance must wait for these terminals (the sync tool's shift mapping). */
export interface ShiftTypeDevices {
  name: string;
  devices: string[];
}

/**
 * Advances Shift Type `last_sync_of_checkin`: HRMS auto attendance only processes Checkins up to it
 * (frappe §4, auto attendance coupling). A shift moves to the oldest "written up to" time among its
 * terminals, and only when none of them has a punch in hand — a terminal still delivering could add an
 * earlier Checkin after attendance was marked. It never moves back. It sees what this forwarder wrote:
 * with several forwarders in the share, configure shift types on one of them only, or use the HR setting
 * that advances it by itself (hrms #2513). It is never set later than this forwarder's own clock in the
 * site's zone: a punch stamped ahead of time (a terminal's clock running fast) must not mark days to come
 * as processed.
 */
export class ShiftSync {
  readonly #client: FrappeClient;
  readonly #shifts: readonly ShiftTypeDevices[];
  readonly #logger: Logger;
  readonly #writtenUpTo = new Map<string, string>();
  readonly #inHand = new Map<string, number>();
  readonly #sent = new Map<string, string>();
  readonly #siteZone: () => Promise<string>;
  readonly #now: () => number;

  constructor(
    client: FrappeClient,
    shifts: readonly ShiftTypeDevices[],
    logger: Logger,
    siteZone: () => Promise<string>,
    now: () => number = Date.now,
  ) {
    this.#client = client;
    this.#shifts = shifts;
    this.#logger = logger;
    this.#siteZone = siteZone;
    this.#now = now;
  }

  received(device: string): void {
    this.#inHand.set(device, (this.#inHand.get(device) ?? 0) + 1);
  }

  /** A punch of `device` is done (written at naive site time `siteTime`) or given back to the broker. */
  finished(device: string, siteTime?: string): void {
    this.#inHand.set(device, Math.max(0, (this.#inHand.get(device) ?? 0) - 1));
    const before = this.#writtenUpTo.get(device);
    if (siteTime && (!before || siteTime > before)) this.#writtenUpTo.set(device, siteTime);
  }

  /** PUTs every shift that can move forward; failures are logged and tried after the next batch. */
  async advance(): Promise<void> {
    for (const shift of this.#shifts) {
      const times = shift.devices.map((d) =>
        (this.#inHand.get(d) ?? 0) > 0 ? undefined : this.#writtenUpTo.get(d),
      );
      if (times.some((x) => x === undefined)) continue;
      const sent = this.#sent.get(shift.name);
      try {
        const now = formatWallTimeIn(this.#now(), await this.#siteZone());
        // the earliest of the terminals' written-up-to times and now: fixed-width naive times sort as text
        const upTo = [...(times as string[]), now].sort()[0]!;
        if (sent && sent >= upTo) continue;
        // only the field to change, never `modified` (frappe §2, PUT)
        await this.#client.updateDoc(SHIFT_TYPE_DOCTYPE, shift.name, { last_sync_of_checkin: upTo });
        this.#sent.set(shift.name, upTo);
        this.#logger.info({ shift: shift.name, last_sync_of_checkin: upTo }, 'Shift Type advanced');
      } catch (err) {
        this.#logger.warn({ err, shift: shift.name }, 'could not advance Shift Type; next batch tries again');
      }
    }
  }
}
