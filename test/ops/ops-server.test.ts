import { request } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { hostAllowed, isLoopback, startOpsServer } from '../../src/ops/ops-server.js';
import { formatStatus, type StatusReport } from '../../src/ops/status-report.js';

const report: StatusReport = {
  site: 'unit',
  at: '2026-01-01T00:00:00.000Z',
  store: { queued: 0, store_mb: 1, free_mb: 1000, disk_low: false },
  broker: { url: 'mqtt://127.0.0.1:1883', connected: true },
  publish: { published: 0, in_flight: 0 },
  devices: [
    { device: '<script>', state: 'online', last_sync: '2026-01-01T00:00:00.000Z', clock_offset_s: 3 },
  ],
};

t.test('routes, methods and actions of the ops endpoint', async (t) => {
  const posted: unknown[] = [];
  const server = await startOpsServer({
    listen: '127.0.0.1:0',
    registry: new Registry(),
    title: 'x05-gateway unit',
    status: async () => report,
    statusText: formatStatus,
    page: async () => '<!doctype html><p>the page</p>',
    health: async () => ({ ok: true, stages: {} }),
    actions: {
      '/echo': {
        get: (q) => ({ status: 200, body: { q: q.get('x') } }),
        post: (body) => {
          posted.push(body);
          return { status: 202, body: { got: body } };
        },
      },
    },
    logger: pino({ level: 'silent' }),
  });
  t.teardown(() => server.stop());
  const page = await fetch(`${server.url}/`);
  t.equal(await page.text(), '<!doctype html><p>the page</p>');
  t.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  t.equal(
    page.headers.get('content-security-policy'),
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    'the page may load nothing from anywhere',
  );
  const text = await (await fetch(`${server.url}/status?format=text`)).text();
  t.match(text, /<script>\s+online/, 'the text status is text: a terminal shows it as it is');
  t.equal((await fetch(`${server.url}/status`, { method: 'POST' })).status, 405);
  t.equal((await fetch(`${server.url}/nope`)).status, 404);
  t.same(await (await fetch(`${server.url}/echo?x=1`)).json(), { q: '1' });
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/echo`, { method: 'POST', body, headers });
  const ok = await post('{"a":1}');
  t.equal(ok.status, 202);
  t.same(posted, [{ a: 1 }]);
  const bad = await post('{not json');
  t.equal(bad.status, 400);
  t.match(await bad.json(), { error: /^request body is not JSON: / });
  const huge = await post(JSON.stringify({ s: 'x'.repeat(70_000) }));
  t.equal(huge.status, 400, 'a body over 64 KiB is refused');
  // what a web page in the gateway machine's browser could send without a preflight
  t.equal((await post('{"a":2}', { 'content-type': 'text/plain' })).status, 415, 'text/plain refused');
  const foreign = await post('{"a":3}', {
    'content-type': 'application/json',
    origin: 'http://evil.example',
  });
  t.equal(foreign.status, 403, 'a foreign Origin refused');
  t.equal(posted.length, 1);
});

t.test('a Host header naming another site is refused (DNS rebinding)', async (t) => {
  t.ok(hostAllowed('127.0.0.1:9464', []));
  t.ok(hostAllowed('[::1]:9464', []));
  t.ok(hostAllowed('localhost:9464', []));
  t.ok(hostAllowed('192.168.1.20:9464', []), 'the machine by its LAN address');
  t.ok(hostAllowed('GW-HQ.lan:9464', ['gw-hq.lan']), 'a configured name');
  t.notOk(hostAllowed('attacker.example:9464', ['gw-hq.lan']));
  t.notOk(hostAllowed(undefined, []));
  const server = await startOpsServer({
    listen: '127.0.0.1:0',
    registry: new Registry(),
    title: 't',
    status: async () => ({}),
    statusText: () => '',
    page: async () => '',
    health: async () => ({ ok: true, stages: {} }),
    logger: pino({ level: 'silent' }),
  });
  t.teardown(() => server.stop());
  const { port } = new URL(server.url);
  const raw = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/status', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  t.equal(await raw(`attacker.example:${port}`), 421);
  t.equal(await raw(`127.0.0.1:${port}`), 200);
});

t.test('actions are for this machine only', async (t) => {
  for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(a), a);
  for (const a of ['10.0.0.5', '192.168.1.20', '::ffff:10.0.0.5', 'fe80::1', '']) t.notOk(isLoopback(a), a);
});
