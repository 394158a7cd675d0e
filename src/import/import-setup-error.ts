import { GatewayError } from '../../protocol/errors.js';

/**
 * A USB export that the import settings cannot read: no terminal is named for the file, or a CSV arrives
 * without the column mapping and date order it needs. `key` is the setting to add.
 */
export class ImportSetupError extends GatewayError {
  constructor(
    readonly file: string,
    readonly key: 'import.devices' | 'import.csv.date_order',
    detail: string,
  ) {
    super('X05_CONFIG', `${file}: ${detail} (set ${key})`);
  }
}
