import t from 'tap';
import { readTerminalStatus } from '../../src/forwarder/device-status.js';

const read = (topic: string, payload: unknown) =>
  readTerminalStatus(topic, Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));

const ok = { device: 'X05-1', state: 'online', last_sync: '2026-12-04T08:00:00.000Z' };

t.test('a gateway status: site and device from the topic, the address split', async (t) => {
  t.match(
    read('x05/v1/hq/X05-1/status', {
      ...ok,
      address: '10.0.0.5:4370',
      mode: 'PULL',
      timezone: 'Asia/Kolkata',
      clock_offset_s: -3.5,
      clock_warning: false,
      records: 120,
    }),
    {
      site: 'hq',
      device: 'X05-1',
      state: 'online',
      atMs: Date.parse(ok.last_sync),
      host: '10.0.0.5',
      port: 4370,
      mode: 'PULL',
      timezone: 'Asia/Kolkata',
      clockOffsetS: -3.5,
      records: 120,
    },
  );
  // a serial with a slash is published under its topic level (topicLevel)
  t.match(read('x05/v1/hq/A_B/status', { ...ok, device: 'A/B' }), { device: 'A/B' });
});

t.test('what is not a terminal status is passed over, a bad one says why', async (t) => {
  t.equal(read('x05/v1/hq/gateway/status', 'online'), undefined, "the gateway's own status");
  t.equal(read('x05/v1/hq/X05-1/status', ''), undefined, 'a cleared retained message');
  t.equal(read('x05/v1/forwarder/g/i/status', ok), undefined, "a forwarder's status");
  // trust follows the topic: a site's credentials cannot speak for another site's terminal
  t.equal(read('x05/v1/hq/X05-1/status', { ...ok, device: 'X05-2' }), 'device does not match the topic');
  t.equal(read('x05/v1/hq/X05-1/status', { ...ok, state: 'offline' }), 'state is neither online nor error');
  t.equal(read('x05/v1/hq/X05-1/status', { ...ok, last_sync: 'soon' }), 'last_sync is not a time');
  t.equal(read('x05/v1/hq/X05-1/status', '{'), 'not JSON');
  t.equal(read('x05/v1/hq/X05-1/status', 'x'.repeat(20_000)), 'payload of 20000 bytes');
  const odd = read('x05/v1/hq/X05-1/status', { ...ok, timezone: 'Mars/Olympus', address: 'nohost' });
  t.ok(
    typeof odd === 'object' && odd.timezone === undefined && odd.host === undefined,
    'unknown zone, no port: left out',
  );
});
