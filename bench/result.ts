/** One figure in bench/results.json: `ratio` = value / the `vs` figure of the same run (higher is better for rates). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  vs: string | null;
  ratio: number | null;
}

export function figure(
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number },
): BenchResult {
  return {
    name,
    value: Number(value.toFixed(2)),
    unit,
    vs: baseline?.name ?? null,
    ratio: baseline && baseline.value > 0 ? Number((value / baseline.value).toFixed(3)) : null,
  };
}

/** Peak RSS sampler: call `stop()` for the highest resident set size seen, in MB. */
export function sampleRss(everyMs = 20): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024;
    },
  };
}
