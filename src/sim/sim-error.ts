import { GatewayError } from '../../protocol/errors.js';

/** A simulator option (CLI flag or `startSimulator` field) that cannot be used; the CLI exits with 2. */
export class SimulatorOptionError extends GatewayError {
  constructor(
    /** The option's name as in `SimulatorOptions`, e.g. `recordSize`. */
    readonly option: string,
    detail: string,
  ) {
    super('X05_USAGE', `simulator option ${option}: ${detail}`);
  }
}
