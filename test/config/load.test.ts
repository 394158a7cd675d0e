import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadCloudConfig, loadSiteConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/temp-dir.js';

t.test('the shipped examples are valid configs', async (t) => {
  const site = loadSiteConfig('config/site.example.yaml');
  t.match(site, {
    site: 'hq',
    devices: [{ host: '192.168.1.201', port: 4370, serial: 'X05-0001', timezone: 'Asia/Kolkata' }],
  });
  const cloud = loadCloudConfig('config/cloud.example.yaml', { X05_FRAPPE_API_SECRET: 'from-env' });
  t.equal(cloud.frappe.api_secret, 'from-env', 'the secret can come from the environment');
  t.equal(cloud.share_group, 'x05-forwarder');
});

t.test('errors name the key path, never the value', async (t) => {
  const dir = tempDir(t);
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const base = 'site: hq\ndata_dir: /tmp/x\nbroker: { url: "mqtt://127.0.0.1:1883" }\n';
  const cases: Array<[string, string, string]> = [
    [
      'bad port',
      `${base}devices:\n  - { host: a, timezone: UTC }\n  - { host: b, port: 99999, timezone: UTC }\n`,
      'devices[1].port',
    ],
    ['bad zone', `${base}devices:\n  - { host: a, timezone: Mars/Olympus }\n`, 'devices[0].timezone'],
    ['unknown key', `${base}devices:\n  - { host: a, timezone: UTC, comm_kee: 5 }\n`, 'devices[0].comm_kee'],
    ['missing broker', 'site: hq\ndata_dir: /tmp/x\n', 'broker'],
    [
      'bad broker url',
      'site: hq\ndata_dir: /tmp/x\nbroker: { url: "http://x", password: "hunter2" }\n',
      'broker.url',
    ],
    ['site with a slash', 'site: "a/b"\ndata_dir: /tmp/x\nbroker: { url: "mqtt://x" }\n', 'site'],
  ];
  for (const [name, text, key] of cases) {
    const file = write(`${name}.yaml`, text);
    const err = (() => {
      try {
        loadSiteConfig(file);
      } catch (e) {
        return e as Error & { key: string };
      }
      return undefined;
    })();
    t.match(err, { code: 'X05_CONFIG', key, file }, name);
    t.notMatch(err?.message ?? '', /hunter2/, `${name}: no secret in the message`);
  }
  const yamlErr = write('broken.yaml', 'site: [unclosed\n');
  t.throws(() => loadSiteConfig(yamlErr), { code: 'X05_CONFIG', key: '' });
  t.throws(() => loadSiteConfig(join(dir, 'missing.yaml')), { code: 'X05_CONFIG', message: /ENOENT/ });
  const noSecret = write(
    'cloud.yaml',
    'broker: { url: "mqtt://x" }\nfrappe: { url: "https://erp.example.com", api_key: k }\n',
  );
  t.throws(() => loadCloudConfig(noSecret, {}), { code: 'X05_CONFIG', key: 'frappe.api_secret' });
  t.equal(
    loadCloudConfig(noSecret, {}, { requireSecret: false }).frappe.api_secret,
    undefined,
    'a dry run needs no secret',
  );
  const site = write('site.yaml', 'site: hq\ndata_dir: /tmp/x\nbroker: { url: "mqtt://x", username: gw }\n');
  t.equal(
    loadSiteConfig(site, { X05_MQTT_PASSWORD: 'pw' }).broker.password,
    'pw',
    'the broker password can come from the environment',
  );
});

t.test('devices.stale_after_s: a positive number of seconds, else the key is named', async (t) => {
  const dir = tempDir(t);
  const cloud = (devices: string) => {
    const f = join(dir, 'cloud.yaml');
    writeFileSync(
      f,
      `broker: { url: "mqtt://x" }\nfrappe: { url: "https://erp.example.com", api_key: k, api_secret: s }\n${devices}`,
    );
    return f;
  };
  t.equal(loadCloudConfig(cloud('devices: { stale_after_s: 3600 }\n')).devices?.stale_after_s, 3600);
  t.equal(loadCloudConfig(cloud('')).devices, undefined, 'left out: the forwarder uses a day');
  t.throws(() => loadCloudConfig(cloud('devices: { stale_after_s: 0 }\n')), {
    code: 'X05_CONFIG',
    key: 'devices.stale_after_s',
  });
});
