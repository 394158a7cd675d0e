import { GatewayError } from '../../protocol/errors.js';

/**
 * An import in which not one line was a punch, new or already held: the wrong file, or a CSV read with
 * the wrong columns, rather than an export with a few bad lines. Nothing was stored.
 */
export class NoPunchesError extends GatewayError {
  override readonly hint =
    "is it a terminal's *_attlog.dat or CSV export? The lines above (or --json) say why each was rejected";
  constructor(
    readonly file: string,
    readonly read: number,
    readonly rejected: number,
  ) {
    super('X05_RECORD', `no line of ${file} is a punch (${read} read, ${rejected} rejected)`);
  }
}
