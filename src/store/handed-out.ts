/**
 * The sequence keys of the punches lately handed to the publisher, by punch id, so that their
 * confirmations (which name punch ids) find their entries without the dedup index. A lookup there is a
 * random read anywhere in the index: confirming a drained million-punch backlog touched every one of its
 * tables, and LevelDB reads tables through mmap, so all of them (~50 MB) stayed in the gateway's RSS.
 * Bounded: past `capacity` the oldest are forgotten, and a confirmation of one of those reads the index.
 */
export class HandedOut {
  private readonly keys = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  remember(id: string, key: string): void {
    if (this.keys.has(id)) return;
    this.keys.set(id, key);
    // a Map iterates in insertion order: the first key is the oldest
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
  }

  /** The key of `id` if it was handed out lately, forgotten from here on: a punch is confirmed once. */
  take(id: string): string | undefined {
    const key = this.keys.get(id);
    this.keys.delete(id);
    return key;
  }
}
