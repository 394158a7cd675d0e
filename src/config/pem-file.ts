import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

const MARKERS = { certificate: 'CERTIFICATE-----', 'private key': 'PRIVATE KEY-----' } as const;

/**
 * A PEM file named in a config, read once at start: a path that cannot be used is a config error naming
 * the key, not a TLS failure minutes later. The errno, never the path: config errors echo no values.
 */
export function readPemFile(
  key: string,
  path: string,
  holds: keyof typeof MARKERS,
  file = 'cloud config',
): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(file, key, `cannot read the file (${(err as NodeJS.ErrnoException).code})`);
  }
  if (
    !pem.includes(`-----BEGIN ${MARKERS[holds]}`) &&
    !pem.includes(`-----BEGIN RSA ${MARKERS[holds]}`) &&
    !pem.includes(`-----BEGIN EC ${MARKERS[holds]}`)
  )
    throw new ConfigError(file, key, `not a PEM ${holds} (no BEGIN ${holds.toUpperCase()} block)`);
  return pem;
}
