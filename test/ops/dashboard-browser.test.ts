import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { startForwarderOps } from '../../src/app/forwarder-ops.js';
import { CloudConfigSchema } from '../../src/config/schema.js';
import { startSimulator } from '../../src/sim/index.js';
import { spawnCli, stopCli } from '../helpers/cli.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { freePort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { repoPath } from '../helpers/repo.js';
import { standinForwarder } from '../helpers/standin-forwarder.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

/** Debian's package (`apt-get install chromium`, as .ci/run does): driven as it is, nothing downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = repoPath('test-output/screenshots');
const PUNCHES = 40;
const silent = pino({ level: 'silent' });
const HOSTILE = '<script>document.title="pwned"</script><img src="http://192.0.2.1/x.png">';

interface Visit {
  page: Page;
  /** Console errors, page errors and failed requests: a CSP violation is a console error. */
  problems: string[];
}

async function visit(browser: Browser, url: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  const res = await page.goto(url);
  if (res?.status() !== 200) problems.push(`${url} answered ${res?.status()}`);
  return { page, problems };
}

/** Desktop and 375 px screenshots; at 375 px nothing may stick out sideways. */
async function shoot(t: Test, v: Visit, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const desktop = join(SHOTS, `${name}-desktop.png`);
  await v.page.screenshot({ path: desktop, fullPage: true });
  await v.page.setViewportSize({ width: 375, height: 800 });
  await v.page.reload();
  const width = Number(await v.page.evaluate('document.documentElement.scrollWidth'));
  t.ok(width <= 375, `${name}: no sideways scrolling on a phone (scrollWidth ${width})`);
  const phone = join(SHOTS, `${name}-phone.png`);
  await v.page.screenshot({ path: phone, fullPage: true });
  t.comment(`screenshots: ${desktop} ${phone}`);
}

t.test(
  'the gateway and forwarder pages in headless Chromium: rows, chart, no errors, phone width',
  async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
      return;
    }
    const broker = await Mosquitto.start();
    t.teardown(() => broker.close());
    const frappe = await FrappeStandin.start({ apiKey: 'k', apiSecret: 's', timeZone: 'UTC', employees: [] });
    t.teardown(() => frappe.close());
    const sim = await startSimulator({ records: PUNCHES, serial: 'DASH-1', logger: silent });
    t.teardown(() => sim.stop());

    // the real forwarder confirms what Frappe holds (unmapped users are parked, and confirmed all the same)
    const cloud = CloudConfigSchema.parse({
      broker: { url: broker.url },
      share_group: 'dash',
      topic: 'x05/v1/+/+/punch',
      frappe: { url: frappe.url, api_key: 'k', api_secret: 's', site_timezone: 'UTC' },
      ops: { listen: '127.0.0.1:0' },
    });
    const fwd = await standinForwarder({
      brokerUrl: broker.url,
      frappe,
      clientId: 'dash-fwd',
      shareGroup: cloud.share_group,
      topic: cloud.topic,
      logger: silent,
    });
    t.teardown(() => fwd.stop());
    const fwdOps = await startForwarderOps(cloud, fwd, silent);
    t.teardown(() => fwdOps?.stop());

    const listen = `127.0.0.1:${await freePort()}`;
    const config = writeSiteConfig({
      dir: tempDir(t),
      site: 'hq',
      brokerUrl: broker.url,
      devices: [{ host: sim.host, port: sim.port, serial: 'DASH-1' }],
      extra: { ops: { listen } },
    });
    const gw = spawnCli(['gateway', '--config', config]);
    t.teardown(() => stopCli(gw, 'SIGKILL'));
    const gatewayUrl = `http://${listen}`;
    await until(
      'every punch stored and confirmed',
      async () => {
        // the gateway is still starting while its port refuses
        const res = await fetch(`${gatewayUrl}/status`).catch(() => undefined);
        if (!res) return false;
        const s = (await res.json()) as {
          devices: Array<{ device: string }>;
          confirm: { confirmed: number; count: number };
        };
        return s.devices.length === 1 && s.confirm.confirmed === PUNCHES && s.confirm.count === 0;
      },
      30_000,
    );

    // a second site whose gateway went quiet three days ago: retained, as its gateway left it
    const branch = await connectAsync(broker.url, { protocolVersion: 5 });
    t.teardown(() => branch.endAsync());
    const quietSince = new Date(Date.now() - 3 * 86_400_000).toISOString();
    await branch.publishAsync('x05/v1/branch/gateway/status', 'offline', { qos: 1, retain: true });
    await branch.publishAsync(
      'x05/v1/branch/BR-7/status',
      JSON.stringify({
        device: 'BR-7',
        // whatever was typed into the gateway's config for the terminal: hostile until shown otherwise
        name: HOSTILE,
        state: 'online',
        last_sync: quietSince,
        clock_offset_s: 4,
        queued: 12,
      }),
      { qos: 1, retain: true },
    );
    t.teardown(async () => {
      const cleaner = await connectAsync(broker.url, { protocolVersion: 5 });
      await cleaner.publishAsync('x05/v1/branch/gateway/status', '', { qos: 1, retain: true });
      await cleaner.publishAsync('x05/v1/branch/BR-7/status', '', { qos: 1, retain: true });
      await cleaner.endAsync();
    });
    await until('both sites in the fleet', () => fwd.fleet.sites(Date.now()).length === 2, 10_000);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    t.teardown(() => browser.close());

    await t.test('gateway: the terminal row, 24 bars with the punches in the current hour', async (t) => {
      const v = await visit(browser, gatewayUrl);
      const p = v.page;
      t.equal(await p.title(), 'x05-gateway hq');
      t.same(
        await p.locator('[data-device]').evaluateAll((els) => els.map((e) => e.getAttribute('data-device'))),
        ['DASH-1'],
      );
      const card = p.locator('[data-device="DASH-1"]');
      t.match(await card.textContent(), /ONLINE/);
      t.equal(await card.locator('[data-field="today"]').textContent(), `${PUNCHES} punches`);
      t.match(
        await card.locator('[data-field="last-punch"]').textContent(),
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
      );
      t.match(await card.locator('[data-field="drift"]').textContent(), /s|—/);
      const bars = await card.locator('svg.chart rect.bar').evaluateAll((rects) =>
        rects.map((r) => ({
          count: Number(r.getAttribute('data-count')),
          height: (r as unknown as { getBBox(): { height: number } }).getBBox().height,
        })),
      );
      t.equal(bars.length, 24, 'one bar per hour');
      t.equal(
        bars.reduce((n, b) => n + b.count, 0),
        PUNCHES,
        'every punch in one of the hours',
      );
      // the punches were stored seconds ago: the current hour, or the one before if an hour just turned
      const busy = bars.flatMap((b, i) => (b.count > 0 ? [i] : []));
      t.ok(busy.length > 0 && busy.every((i) => i >= 22), `bars with punches: ${busy.join(', ')}`);
      t.ok(
        busy.every((i) => (bars[i]?.height ?? 0) > 0),
        'drawn with a height',
      );
      t.ok(
        bars.every((b) => b.count > 0 || b.height === 0),
        'empty hours drawn flat',
      );
      t.equal(
        await card.locator('svg.chart title').first().textContent(),
        'DASH-1: punches per hour, last 24 hours',
      );
      const stages = await p
        .locator('[data-stage]')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-stage'), e.getAttribute('data-level')]));
      t.same(stages, [
        ['store', 'ok'],
        ['broker', 'ok'],
        ['Frappe', 'ok'],
      ]);
      t.equal(await p.locator('[data-field="queued"]').textContent(), '0');
      await shoot(t, v, 'gateway');
      t.same(v.problems, [], 'no console errors, page errors or failed requests');
    });

    await t.test('forwarder: one section per site, the quiet one marked stale', async (t) => {
      const v = await visit(browser, fwdOps?.url ?? '');
      const p = v.page;
      t.same(
        await p
          .locator('[data-site]')
          .evaluateAll((els) => els.map((e) => [e.getAttribute('data-site'), e.getAttribute('data-stale')])),
        [
          ['branch', 'true'],
          ['hq', 'false'],
        ],
      );
      const branchCard = p.locator('[data-site="branch"]');
      t.match(await branchCard.locator('header').textContent(), /STALE/);
      t.equal(await branchCard.locator('[data-field="gateway"]').textContent(), 'offline');
      t.equal(await branchCard.locator('[data-field="queued"]').textContent(), '12');
      t.equal(
        await branchCard.locator('[data-device="BR-7"] .id').textContent(),
        `${HOSTILE} (BR-7)`,
        'as text',
      );
      t.equal(await p.title(), 'x05-forwarder dash', 'no script ran');
      t.equal(await p.locator('body script, body img').count(), 0, 'no element made of it');
      t.match(
        await branchCard.locator('[data-device="BR-7"]').textContent(),
        /OFFLINE[\s\S]*drift \+4 s[\s\S]*stale: no status for 3 d/,
      );
      const hq = p.locator('[data-site="hq"]');
      t.match(await hq.locator('header').textContent(), /OK/);
      t.equal(await hq.locator('[data-field="gateway"]').textContent(), 'online');
      t.match(
        await hq.locator('[data-field="unconfirmed"]').textContent(),
        /^\d+(, oldest waiting .+)?$/,
        "the gateway's retained health reached the forwarder",
      );
      t.equal(await branchCard.locator('[data-field="unconfirmed"]').textContent(), 'no health seen');
      t.equal(await hq.locator('[data-device="DASH-1"]').getAttribute('data-stale'), 'false');
      t.match(await hq.locator('[data-device="DASH-1"]').textContent(), /ONLINE[\s\S]*last punch \d/);
      t.same(
        await p.locator('[data-stage]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level'))),
        ['ok'],
      );
      await shoot(t, v, 'forwarder');
      t.same(v.problems, [], 'no console errors, page errors or failed requests');
    });
  },
);
