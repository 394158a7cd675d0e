import type { DeviceSession } from './session.js';

/**
 * A terminal's user ids by internal uid, for record layouts that carry only the uid (8-byte records of
 * old ZK6 firmware, zk-tcp §11.5). A uid is a slot number (1, 2, 3…); the user id is the badge or
 * employee number the user list maps it to, and the only id Frappe knows. The list is read when a sync
 * needs it and kept while the terminal's user count stays the same.
 */
export class UidDirectory {
  #count: number | undefined;
  #byUid = new Map<number, string>();

  async userIds(session: DeviceSession, userCount: number | undefined): Promise<ReadonlyMap<number, string>> {
    if (userCount !== undefined && userCount === this.#count) return this.#byUid;
    const table = await session.users(userCount);
    this.#byUid = new Map(table.users.map((u) => [u.uid, u.userId]));
    this.#count = userCount;
    return this.#byUid;
  }
}
