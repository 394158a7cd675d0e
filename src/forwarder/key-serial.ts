/**
 * Runs tasks of one key one after another, tasks of different keys side by side. The forwarder keys by
 * device user: HRMS's duplicate check is read-then-insert, so two writes of one employee must not overlap
 * (design.md, Frappe side) — which can happen when a redelivery after a reconnect meets a write of the
 * old connection still in flight.
 */
export class KeySerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => {});
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
