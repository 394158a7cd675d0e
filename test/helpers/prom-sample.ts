/** One sample of a Prometheus text exposition, e.g. `x05_device_up{device="A"}`; undefined when absent. */
export function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
