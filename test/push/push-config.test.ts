import t from 'tap';
import { parseConfig, SiteConfigSchema } from '../../src/config/index.js';

const base = 'site: hq\ndata_dir: /tmp/x\nbroker:\n  url: mqtt://127.0.0.1:1883\n';

t.test('push and import sections: defaults, and errors by key path', async (t) => {
  const cfg = parseConfig(
    SiteConfigSchema,
    `${base}push:\n  devices:\n    - serial: S1\n      timezone: Asia/Kolkata\nimport:\n  watch_dir: /tmp/in\n`,
    'site.yaml',
  );
  t.match(cfg.push, {
    host: '0.0.0.0',
    port: 8081,
    body_limit_bytes: 8 * 1024 * 1024,
    timezone_option: 'auto',
    devices: [{ serial: 'S1', send_date: true }],
  });
  t.match(cfg.import, { watch_dir: '/tmp/in', devices: {} });
  t.throws(
    () =>
      parseConfig(
        SiteConfigSchema,
        `${base}import:\n  watch_dir: /tmp/in\n  earliest: "2001-01-01"\n`,
        'site.yaml',
      ),
    { code: 'X05_CONFIG', key: 'import.earliest', message: /replaced by time\.min/ },
    'an older config says what replaced the key',
  );
  t.throws(
    () =>
      parseConfig(
        SiteConfigSchema,
        `${base}push:\n  devices:\n    - serial: S1\n      timezone: India/Pune\n`,
        'site.yaml',
      ),
    { code: 'X05_CONFIG', key: 'push.devices[0].timezone' },
  );
  t.throws(() => parseConfig(SiteConfigSchema, `${base}push:\n  devices: []\n`, 'site.yaml'), {
    code: 'X05_CONFIG',
    key: 'push.devices',
  });
  t.throws(
    () =>
      parseConfig(
        SiteConfigSchema,
        `${base}import:\n  watch_dir: /in\n  csv_date_order: DDMM\n`,
        'site.yaml',
      ),
    { code: 'X05_CONFIG', key: 'import.csv_date_order' },
  );
  const withIps = (ips: string) =>
    `${base}push:\n  devices:\n    - serial: S1\n      timezone: UTC\n      allowed_ips: ${ips}\n`;
  t.match(
    parseConfig(SiteConfigSchema, withIps('["192.168.1.20", "10.0.0.0/8", "fd00::/8"]'), 'site.yaml').push,
    {
      devices: [{ allowed_ips: ['192.168.1.20', '10.0.0.0/8', 'fd00::/8'], key_every_request: false }],
    },
  );
  t.throws(() => parseConfig(SiteConfigSchema, withIps('["10.0.0.0/33"]'), 'site.yaml'), {
    code: 'X05_CONFIG',
    key: 'push.devices[0].allowed_ips[0]',
    message: /prefix length out of range/,
  });
  t.throws(() => parseConfig(SiteConfigSchema, withIps('["terminal.local"]'), 'site.yaml'), {
    code: 'X05_CONFIG',
    key: 'push.devices[0].allowed_ips[0]',
    message: /not an IP address or CIDR/,
  });
});
