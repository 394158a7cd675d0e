import { GatewayError } from '../../protocol/errors.js';

/**
 * One entry of an address list (`discover`, `allowed_ips`) that names no usable address, block or range.
 * Config validation reports the same problem with its key path before any stage sees the entry.
 */
export class AddressEntryError extends GatewayError {
  constructor(
    readonly entry: string,
    readonly problem: string,
  ) {
    super('X05_CONFIG', `address entry "${entry}": ${problem}`);
  }
}
