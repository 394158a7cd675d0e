import { GatewayError } from '../../protocol/errors.js';

/** A config file that cannot be used. `key` is the path of the offending key, e.g. `devices[2].port`; never its value. */
export class ConfigError extends GatewayError {
  constructor(
    readonly file: string,
    readonly key: string,
    detail: string,
  ) {
    super('X05_CONFIG', `${file}: ${key ? `${key}: ` : ''}${detail}`);
  }
}
