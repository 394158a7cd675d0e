import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole-number option; anything else is bad usage (exit 2). */
export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};
