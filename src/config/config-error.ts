import { GatewayError } from '../../protocol/errors.js';

/** A config file that cannot be used. `key` is the path of the offending key, e.g. `devices[2].port`; never its value. */
export class ConfigError extends GatewayError {
  constructor(
    readonly file: string,
    readonly key: string,
    detail: string,
  ) {
    super('X05_CONFIG', `${file}: ${key ? `${key}: ` : ''}${detail}`);
    this.hint = key
      ? `fix ${key} in ${file}; config/site.example.yaml and config/cloud.example.yaml explain every key`
      : 'check the --config path and that the file is YAML';
  }

  override readonly hint: string;
}
