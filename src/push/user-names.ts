import { PUNCH_BOUNDS } from '../event/index.js';

/**
 * Twice the users the larger terminals enrol (≈ 10,000): more is a flood, not a site. At the widest id and
 * name that is about 15 MB per terminal at worst.
 */
export const MAX_USERS_PER_TERMINAL = 20_000;
/** The widest name field of any layout is 24 bytes over TCP; a push body may carry more, but not for a label. */
export const MAX_NAME_CHARS = 64;

/**
 * User id → name from a pushing terminal's OPERLOG/USERINFO rows, bounded in count and size: a LAN host
 * posting endless USER rows must not grow the gateway's memory. Rows past the bound are counted, not kept.
 */
export class UserNames {
  private readonly names = new Map<string, string>();
  /** USER rows not kept: the id over the PunchEvent bound, or a new id past the count bound. */
  dropped = 0;

  constructor(private readonly maxUsers = MAX_USERS_PER_TERMINAL) {}

  get size(): number {
    return this.names.size;
  }

  get(userId: string): string | undefined {
    return this.names.get(userId);
  }

  /** Keeps the name (cut to MAX_NAME_CHARS); false when the row was dropped. */
  set(userId: string, name: string): boolean {
    const known = this.names.has(userId);
    if (userId.length > PUNCH_BOUNDS.user_id || (!known && this.names.size >= this.maxUsers)) {
      this.dropped++;
      return false;
    }
    this.names.set(userId, name.slice(0, MAX_NAME_CHARS));
    return true;
  }
}
