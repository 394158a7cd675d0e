import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole-number option; anything else is bad usage (exit 2). */
export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

/** Where a gateway's ops endpoint listens when its config leaves ops.listen out. */
export const DEFAULT_OPS_LISTEN = '127.0.0.1:9464';

export const opsUrlOption = `ops endpoint of the gateway (default http://${DEFAULT_OPS_LISTEN})`;
