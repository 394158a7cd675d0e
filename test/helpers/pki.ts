import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type PkiFile = 'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa';

/** PEM contents, and where each one lies in `dir` (for configs that take a file path). */
export interface Pki extends Record<PkiFile, Buffer> {
  files: Record<PkiFile, string>;
}

/**
 * A test CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and an unrelated
 * self-signed "other CA", made by the openssl binary in `dir`. Two days' validity: long enough for a run.
 */
export function makePki(dir: string): Pki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  const selfSigned = (name: string, cn: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      ...subj(cn),
    );
  selfSigned('ca', 'x05 test CA');
  selfSigned('other', 'other CA');
  // clients check the address they dialled against the SAN, not the CN
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      ...subj(`x05-${who}`),
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${who}.crt`,
      '-extfile',
      'san.ext',
    );
  }
  const files: Record<PkiFile, string> = {
    ca: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other.crt'),
  };
  const pem = (k: PkiFile) => readFileSync(files[k]);
  return {
    files,
    ca: pem('ca'),
    serverCert: pem('serverCert'),
    serverKey: pem('serverKey'),
    clientCert: pem('clientCert'),
    clientKey: pem('clientKey'),
    otherCa: pem('otherCa'),
  };
}
