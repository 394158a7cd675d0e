import t from 'tap';
import { renderFleetPage } from '../../src/app/page/fleet-page.js';
import { type GatewayPage, gatewayStages, renderGatewayPage } from '../../src/app/page/gateway-page.js';
import { hourChart, punchHours } from '../../src/app/page/hour-chart.js';
import { toText } from '../../src/app/page/html.js';
import type { FleetSite } from '../../src/forwarder/fleet.js';
import type { StatusReport } from '../../src/ops/status-report.js';
import { RecentIntake } from '../../src/store/recent-intake.js';

const NOW = Date.parse('2026-12-04T20:00:00Z');
const HOSTILE = '<script>alert(1)</script>';

const report = (over: Partial<StatusReport> = {}): StatusReport => ({
  site: 'hq',
  at: '2026-12-04T20:00:00.000Z',
  store: { queued: 3, store_mb: 1, free_mb: 900, disk_low: false },
  broker: { url: 'mqtt://127.0.0.1:1883', connected: true },
  publish: { published: 10, in_flight: 0 },
  confirm: { count: 3, oldest_s: 5, sent: 3, resent: 0, no_subscriber: 0, confirmed: 7, ignored: 0 },
  devices: [
    {
      device: 'X05-1',
      state: 'online',
      last_sync: '2026-12-04T19:59:50Z',
      clock_offset_s: 2,
      last_punch: '2026-12-05 01:29:00',
    },
  ],
  ...over,
});

const gatewayPage = (over: Partial<GatewayPage> = {}): GatewayPage => ({
  title: 'x05-gateway hq',
  report: report(),
  hours: new Map(),
  confirmTimeoutS: 30,
  maxUnconfirmedAgeS: 3600,
  nowMs: NOW,
  ...over,
});

/** The bars of every chart on a page: [hour, count, height]. */
const bars = (page: string) =>
  [...page.matchAll(/<rect class="bar"[^>]*height="([\d.]+)" data-hour="(\d\d)" data-count="(\d+)"/g)].map(
    (m) => [m[2], Number(m[3]), Number(m[1])] as const,
  );

t.test('what terminals and config say is text on the page, never markup', async (t) => {
  const page = renderGatewayPage(
    gatewayPage({
      title: `x05-gateway ${HOSTILE}`,
      report: report({
        devices: [
          {
            device: HOSTILE,
            state: 'error',
            last_sync: '2026-12-04T19:00:00Z',
            clock_offset_s: null,
            error: '<img src=x onerror=alert(2)>',
          },
        ],
      }),
    }),
  );
  t.notMatch(page, /<script/i);
  t.notMatch(page, /<img/i);
  t.match(page, '&#60;script&#62;alert(1)&#60;/script&#62;');
  t.match(page, '&#60;img src=x onerror=alert(2)&#62;');
  t.match(page, 'data-device="&#60;script&#62;', 'attributes too');
  const fleet = renderFleetPage({
    title: 'x05-forwarder eu',
    atIso: '2026-12-04T20:00:00Z',
    stages: [{ name: 'Frappe', level: 'degraded', detail: HOSTILE }],
    sites: [
      {
        site: `"><script>x</script>`,
        gateway: 'online',
        lastSeenMs: NOW,
        stale: false,
        queued: 0,
        health: undefined,
        terminals: [{ device: 'D1', name: HOSTILE, state: 'error', lastError: HOSTILE, stale: false }],
      },
    ],
    nowMs: NOW,
  });
  t.notMatch(fleet, /<script/i);
  t.match(fleet, 'data-site="&#34;&#62;&#60;script&#62;');
});

t.test('the chart: 24 bars, heights in proportion to the busiest hour', async (t) => {
  const hours = Array.from({ length: 24 }, (_, i) => ({ hour: String(i).padStart(2, '0'), count: 0 }));
  hours[20]!.count = 2;
  hours[23]!.count = 4;
  const svg = toText(hourChart('X05-1', hours));
  const b = bars(svg);
  t.equal(b.length, 24);
  t.same(b[23], ['23', 4, 42], 'the busiest hour fills the plot');
  t.same(b[20], ['20', 2, 21], 'half as many, half as high');
  t.same(
    b.filter(([, c]) => c === 0).map(([, , h]) => h),
    Array(22).fill(0),
    'an hour without punches has no bar',
  );
  t.match(svg, /role="img" aria-label="X05-1: punches per hour, last 24 hours"/);
  t.match(svg, /<desc>[^<]*23:00 4<\/desc>/);
  const empty = toText(
    hourChart(
      'X05-1',
      hours.map((h) => ({ ...h, count: 0 })),
    ),
  );
  t.same(
    bars(empty).map(([, , h]) => h),
    Array(24).fill(0),
    'no punches: no bars, no division by zero',
  );
  t.match(empty, '<desc>no punches</desc>');
});

t.test("today and the hours are read in the terminal's zone", async (t) => {
  // 20:00Z is 01:30 on 5 December in Kolkata (+5:30): its midnight was 18:30Z
  const counts = new RecentIntake();
  const at = (iso: string, n: number) => {
    const ms = Date.parse(iso);
    counts.apply(counts.change(new Map([['X05-1', n]]), ms), ms);
  };
  at('2026-12-04T18:00:00Z', 5); // 23:30 on the 4th
  at('2026-12-04T19:00:00Z', 2); // 00:30
  at('2026-12-04T19:45:00Z', 1); // 01:15
  const kolkata = punchHours(counts, 'X05-1', 'Asia/Kolkata', NOW);
  t.equal(kolkata.today, 3, 'since local midnight');
  t.same(kolkata.hours.slice(-3), [
    { hour: '23', count: 5 },
    { hour: '00', count: 2 },
    { hour: '01', count: 1 },
  ]);
  t.equal(kolkata.hours.length, 24);
  const utc = punchHours(counts, 'X05-1', 'UTC', NOW);
  t.equal(utc.today, 8, 'all on the 4th in UTC');
  t.same(utc.hours.slice(-3), [
    { hour: '18', count: 5 },
    { hour: '19', count: 3 },
    { hour: '20', count: 0 },
  ]);
  t.same(
    punchHours(counts, 'OTHER', 'UTC', NOW).hours.map((h) => h.count),
    Array(24).fill(0),
  );
});

t.test('empty states: no terminals, no punches, no sites', async (t) => {
  const none = renderGatewayPage(gatewayPage({ report: report({ devices: [] }) }));
  t.match(none, 'data-empty="devices"');
  t.match(none, 'No terminal has reported yet.');
  const quiet = renderGatewayPage(gatewayPage());
  t.match(quiet, /data-field="today">0 punches/);
  t.equal(bars(quiet).length, 0, 'a terminal with no hours given has no chart');
  const fleet = renderFleetPage({ title: 'f', atIso: 'now', stages: [], sites: [], nowMs: NOW });
  t.match(fleet, 'data-empty="sites"');
});

t.test('stage colours follow the state, and say it in words', async (t) => {
  const levels = (p: GatewayPage) => Object.fromEntries(gatewayStages(p).map((s) => [s.name, s.level]));
  t.same(levels(gatewayPage()), { store: 'ok', broker: 'ok', Frappe: 'ok' });
  const r = report();
  t.same(
    levels(
      gatewayPage({
        report: { ...r, broker: { ...r.broker, connected: false }, confirm: { ...r.confirm!, oldest_s: 31 } },
      }),
    ),
    { store: 'ok', broker: 'failing', Frappe: 'degraded' },
    'disconnected; a confirmation overdue',
  );
  t.same(
    levels(
      gatewayPage({
        report: { ...r, store: { ...r.store, disk_low: true }, confirm: { ...r.confirm!, oldest_s: 3601 } },
      }),
    ),
    { store: 'failing', broker: 'ok', Frappe: 'failing' },
    'disk low; past the health limit',
  );
  t.match(
    renderGatewayPage(gatewayPage()),
    /<li class="stage ok"[^>]*><span class="word">OK<\/span> <b>broker<\/b>/,
  );
});

t.test('the fleet: a site without a status for the stale time is marked, so are its terminals', async (t) => {
  const site = (name: string, stale: boolean): FleetSite => ({
    site: name,
    gateway: stale ? 'offline' : 'online',
    lastSeenMs: stale ? NOW - 2 * 86_400_000 : NOW - 30_000,
    stale,
    queued: stale ? 12 : 0,
    health: undefined,
    terminals: [
      {
        device: `${name}-1`,
        state: 'online',
        statusAtMs: NOW - (stale ? 2 * 86_400_000 : 30_000),
        clockOffsetS: -4,
        stale,
      },
    ],
  });
  const page = renderFleetPage({
    title: 'f',
    atIso: 'now',
    stages: [],
    sites: [site('branch', true), site('hq', false)],
    nowMs: NOW,
  });
  t.match(
    page,
    /data-site="branch" data-stale="true">[\s\S]*STALE[\s\S]*data-device="branch-1" data-stale="true"[\s\S]*stale: no status for 2 d/,
  );
  t.match(
    page,
    /data-site="hq" data-stale="false">[\s\S]*>OK<[\s\S]*data-device="hq-1" data-stale="false"[\s\S]*drift -4 s/,
  );
  t.match(page, /data-field="queued">12</);
  t.match(page, /data-field="unconfirmed">no health seen</, 'a site whose gateway health never came says so');
});

t.test(
  "the fleet: a site's health says what it holds unconfirmed, and marks a backlog or a failing disk",
  async (t) => {
    const health = (more: Partial<NonNullable<FleetSite['health']>>) => ({
      atMs: NOW - 20_000,
      queued: 1500,
      unconfirmed: 1500,
      oldestUnconfirmedS: 30,
      freeMb: 900,
      diskLow: false,
      writeFailing: false,
      ...more,
    });
    const site = (name: string, h: FleetSite['health']): FleetSite => ({
      site: name,
      gateway: 'online',
      lastSeenMs: NOW - 20_000,
      stale: false,
      queued: h?.queued,
      health: h,
      terminals: [],
    });
    const page = renderFleetPage({
      title: 'f',
      atIso: 'now',
      stages: [],
      sites: [
        site('a-fine', health({})),
        site('b-behind', health({ oldestUnconfirmedS: 7200 })),
        site('c-full', health({ diskLow: true, freeMb: 120 })),
        site('d-failing', health({ writeFailing: true })),
        site('e-empty', health({ unconfirmed: 0, queued: 0, oldestUnconfirmedS: 0 })),
      ],
      nowMs: NOW,
    });
    const card = (name: string) =>
      new RegExp(`<article class="card \\w+" data-site="${name}"[\\s\\S]*?</article>`).exec(page)?.[0] ?? '';
    t.match(card('a-fine'), />OK</);
    t.match(card('a-fine'), /data-field="unconfirmed">1500, oldest waiting 30 s</);
    t.match(card('a-fine'), /data-field="free">900 MB</);
    t.match(card('b-behind'), /^<article class="card degraded"[\s\S]*>BACKLOG</);
    t.match(card('b-behind'), /oldest waiting 2 h/);
    t.match(card('c-full'), /^<article class="card failing"[\s\S]*>DISK LOW</);
    t.match(card('d-failing'), /^<article class="card failing"[\s\S]*>STORE FAILING</);
    t.match(card('e-empty'), /data-field="unconfirmed">0</);
  },
);
