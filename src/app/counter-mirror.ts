import { Counter, type Registry } from 'prom-client';

/**
 * Grows a Prometheus counter to an absolute count kept elsewhere (the store, the push receiver): those
 * own the figures, the registry only mirrors them, and a count that went back to zero restarts the counter.
 */
export class CounterMirror<L extends string> {
  private readonly last = new Map<string, number>();
  constructor(private readonly counter: Counter<L>) {}

  set(value: number, labels: Partial<Record<L, string>> = {}): void {
    const key = JSON.stringify(labels);
    const before = this.last.get(key) ?? 0;
    const delta = value >= before ? value - before : value;
    this.last.set(key, value);
    if (delta > 0) this.counter.inc(labels, delta);
  }
}

/**
 * Counters without labels mirroring a set of absolute counts, e.g. `{ lines: ['x05_push_lines_total',
 * 'help'] }`; the returned function brings them all up to date. Counters are registered in the order of
 * `defs`, so a metric registered earlier can refresh them in its own collect.
 */
export function mirrorCounts<K extends string>(
  registry: Registry,
  defs: Record<K, [name: string, help: string]>,
): (counts: Readonly<Record<K, number>>) => void {
  const mirrors = (Object.entries(defs) as Array<[K, [string, string]]>).map(
    ([key, [name, help]]) =>
      [key, new CounterMirror(new Counter({ name, help, registers: [registry] }))] as const,
  );
  return (counts) => {
    for (const [key, m] of mirrors) m.set(counts[key]);
  };
}
