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

/** The gateway's push receiver did not answer the simulated terminal's request in time. */
export class PushAnswerTimeoutError extends GatewayError {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super('X05_TIMEOUT', `no answer from ${url} within ${timeoutMs} ms`);
  }
}
