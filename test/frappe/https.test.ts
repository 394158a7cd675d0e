import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CloudConfigSchema } from '../../src/config/schema.js';
import { FrappeClient, FrappeError, FrappeTlsError } from '../../src/frappe/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { makePki } from '../helpers/pki.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir(t, 'x05-frappe-https-');
const pki = makePki(dir);

async function failure(p: Promise<unknown>): Promise<FrappeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FrappeError) return err;
    throw err;
  }
  throw new Error('expected a FrappeError');
}

const frappeConfig = (url: string, extra: Record<string, unknown> = {}) =>
  CloudConfigSchema.parse({
    broker: { url: 'mqtt://127.0.0.1:1883' },
    frappe: { url, api_key: 'k', api_secret: 's', ...extra },
  }).frappe;

t.test('frappe.ca_file: the site behind a private CA is trusted with it and refused without', async (t) => {
  const site = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    tls: { cert: pki.serverCert, key: pki.serverKey },
  });
  t.teardown(() => site.close());
  t.match(site.url, /^https:\/\/127\.0\.0\.1:\d+$/);

  const trusted = FrappeClient.fromConfig(frappeConfig(site.url, { ca_file: pki.files.ca }));
  t.equal(await trusted.loggedUser(), 'bio@example.com');

  const untrusted = FrappeClient.fromConfig(frappeConfig(site.url));
  const err = await failure(untrusted.loggedUser());
  t.type(err, FrappeTlsError);
  t.match(err, {
    code: 'X05_FRAPPE',
    kind: 'retryable',
    status: 0,
    url: site.url,
    tlsCode: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/,
    message: new RegExp(`certificate of ${site.url} is not trusted .*set frappe\\.ca_file`),
  });

  const otherCa = FrappeClient.fromConfig(frappeConfig(site.url, { ca_file: pki.files.otherCa }));
  t.type(await failure(otherCa.loggedUser()), FrappeTlsError, 'a CA that did not sign it does not help');
  t.equal(site.requests.length, 1, 'only the trusted client reached the site');
});

t.test('plain HTTP to an HTTPS site fails at once as a retryable error, not a hang', async (t) => {
  const site = await FrappeStandin.start({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  t.teardown(() => site.close());
  const client = new FrappeClient({
    url: site.url.replace('https:', 'http:'),
    apiKey: 'k',
    apiSecret: 's',
    timeoutMs: 2000,
  });
  // an HTTPS server answers plain HTTP with a TLS alert or a close: never a Frappe answer
  t.match(await failure(client.loggedUser()), { kind: 'retryable', status: 0 });
});

t.test('a missing or unusable frappe.ca_file is a config error naming the key, not the path', async (t) => {
  const missing = join(dir, 'nope.pem');
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello\n');
  for (const [file, detail] of [
    [missing, /cannot read the file \(ENOENT\)/],
    [dir, /cannot read the file \(EISDIR\)/],
    [notPem, /not a PEM certificate/],
  ] as const) {
    let err: unknown;
    try {
      FrappeClient.fromConfig(frappeConfig('https://erp.example.com', { ca_file: file }));
    } catch (e) {
      err = e;
    }
    t.match(err, { code: 'X05_CONFIG', key: 'frappe.ca_file', message: detail });
    t.notMatch((err as Error).message, file, 'the path is not echoed');
  }
  t.match(
    CloudConfigSchema.safeParse({
      broker: { url: 'mqtt://127.0.0.1:1883' },
      frappe: { url: 'https://erp.example.com', api_key: 'k', ca_file: '' },
    }).error?.issues,
    [{ path: ['frappe', 'ca_file'] }],
  );
});
