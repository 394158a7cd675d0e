import type { Writable } from 'node:stream';

/** One hop of the demo's pipeline: how many punches have got this far, and how to say it. */
export interface DemoStage {
  name: string;
  reached(): number;
  says(n: number): string;
}

/** 2,000 rather than 2000. */
export const thousands = (x: number) => x.toLocaleString('en');
/** Tenths: the stages are polled ten times a second. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Prints one line per stage as all `expected` punches reach it, in pipeline order, with the time since
 * `startedAt`; resolves with the total time once the last stage has them all. Polled: a stage's counter
 * is a plain field.
 */
export async function reportStages(
  stages: readonly DemoStage[],
  expected: number,
  startedAt: number,
  out: Writable,
  stopped: () => boolean,
): Promise<number> {
  let next = 0;
  while (next < stages.length && !stopped()) {
    const stage = stages[next]!;
    const got = stage.reached();
    if (got >= expected) {
      const line = `  ${stage.name.padEnd(10)} ${stage.says(got)}`;
      out.write(`${line.padEnd(94)} ${seconds(Date.now() - startedAt)}\n`);
      next++;
      continue;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - startedAt;
}
