import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { readPemFile } from '../../src/config/pem-file.js';
import { runCli } from '../helpers/cli.js';
import { makePki } from '../helpers/pki.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test('PEM files named in a config: read at start, wrong ones named by key', async (t) => {
  const dir = tempDir(t);
  const pki = makePki(dir);
  t.ok(readPemFile('broker.ca_file', pki.files.ca, 'certificate').length > 0);
  t.ok(readPemFile('broker.key_file', pki.files.serverKey, 'private key').length > 0);
  t.throws(() => readPemFile('broker.key_file', pki.files.ca, 'private key'), {
    code: 'X05_CONFIG',
    key: 'broker.key_file',
    message: /not a PEM private key/,
  });
  t.throws(() => readPemFile('broker.cert_file', pki.files.serverKey, 'certificate'), {
    key: 'broker.cert_file',
    message: /not a PEM certificate/,
  });
});

t.test(
  'forwarder with a broker key_file that is not there: exit 2 naming the key, not the path',
  async (t) => {
    const dir = tempDir(t);
    const pki = makePki(dir);
    const missing = join(dir, 'secret-place', 'client.key');
    const config = join(dir, 'cloud.yaml');
    writeFileSync(
      config,
      stringify({
        broker: {
          url: 'mqtts://127.0.0.1:1',
          ca_file: pki.files.ca,
          cert_file: pki.files.ca,
          key_file: missing,
        },
        frappe: { url: 'http://127.0.0.1:1', api_key: 'k', api_secret: 's' },
      }),
    );
    const r = await runCli(['forwarder', '--config', config]);
    t.equal(r.code, 2);
    t.match(r.output, /broker\.key_file: cannot read the file \(ENOENT\)/);
    t.notMatch(r.output, 'secret-place');
  },
);
