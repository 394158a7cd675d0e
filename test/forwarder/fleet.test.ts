import t from 'tap';
import {
  readGatewayStatus,
  readTerminalStatus,
  type TerminalStatus,
} from '../../src/forwarder/device-status.js';
import { FleetView } from '../../src/forwarder/fleet.js';
import { readSiteHealth, type SiteHealth } from '../../src/forwarder/site-health.js';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-12-04T20:00:00Z');

const status = (
  site: string,
  device: string,
  atMs: number,
  more: Partial<TerminalStatus> = {},
): TerminalStatus => ({
  site,
  device,
  state: 'online',
  atMs,
  ...more,
});

t.test("a gateway's own status is online or offline; anything else is not one", async (t) => {
  t.same(readGatewayStatus('x05/v1/hq/gateway/status', Buffer.from('online')), {
    site: 'hq',
    state: 'online',
  });
  t.same(readGatewayStatus('x05/v1/hq/gateway/status', Buffer.from('offline')), {
    site: 'hq',
    state: 'offline',
  });
  t.equal(
    readGatewayStatus('x05/v1/hq/gateway/status', Buffer.from('')),
    undefined,
    'a cleared retained message',
  );
  t.equal(
    readGatewayStatus('x05/v1/hq/X05-1/status', Buffer.from('online')),
    undefined,
    "a terminal's topic",
  );
  const s = readTerminalStatus(
    'x05/v1/hq/X05-1/status',
    Buffer.from(
      JSON.stringify({ device: 'X05-1', state: 'online', last_sync: '2026-12-04T19:59:00Z', queued: 7 }),
    ),
  );
  t.match(s, { site: 'hq', device: 'X05-1', queued: 7 }, "the site's queue rides on each terminal status");
});

t.test('sites by name; stale once the newest status of the site is older than the limit', async (t) => {
  const fleet = new FleetView(DAY_MS);
  fleet.gateway({ site: 'hq', state: 'online' });
  fleet.terminal(status('hq', 'B', NOW - 60_000, { queued: 3 }));
  fleet.terminal(status('hq', 'A', NOW - 2 * DAY_MS, { queued: 40 }));
  fleet.terminal(status('branch', 'C', NOW - 2 * DAY_MS, { queued: 12 }));
  fleet.gateway({ site: 'branch', state: 'offline' });
  const [branch, hq] = fleet.sites(NOW);
  t.match(branch, {
    site: 'branch',
    gateway: 'offline',
    stale: true,
    queued: 12,
    lastSeenMs: NOW - 2 * DAY_MS,
  });
  t.match(hq, { site: 'hq', gateway: 'online', stale: false, lastSeenMs: NOW - 60_000 });
  t.equal(hq?.queued, 3, 'the queue of the newest status, not the last one to arrive');
  t.same(
    hq?.terminals.map((x) => [x.device, x.stale]),
    [
      ['A', true],
      ['B', false],
    ],
    'a quiet terminal of a live site is marked on its own',
  );
  t.equal(fleet.sites(NOW - 1.5 * DAY_MS)[0]?.stale, false, 'not stale before the limit');
  fleet.terminal(status('branch', 'C', NOW - 1000));
  t.equal(fleet.sites(NOW)[0]?.stale, false, 'a new status makes the site live again');
});

t.test('a site seen only by its gateway status has no time to go stale by', async (t) => {
  const fleet = new FleetView(DAY_MS);
  fleet.gateway({ site: 'new', state: 'online' });
  t.same(fleet.sites(NOW), [
    {
      site: 'new',
      gateway: 'online',
      lastSeenMs: undefined,
      stale: false,
      queued: undefined,
      health: undefined,
      terminals: [],
    },
  ]);
});

const healthTopic = 'x05/v1/hq/gateway/health';
const healthOf = (at: string, more: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({ at, queued: 40, unconfirmed: 40, oldest_unconfirmed_s: 95, free_mb: 800, ...more }),
  );

t.test(
  "a gateway's health: read from its topic, bounded, and refused with a reason when unreadable",
  async (t) => {
    t.same(readSiteHealth(healthTopic, healthOf('2026-12-04T19:59:00Z', { disk_low: true })), {
      site: 'hq',
      atMs: Date.parse('2026-12-04T19:59:00Z'),
      queued: 40,
      unconfirmed: 40,
      oldestUnconfirmedS: 95,
      freeMb: 800,
      diskLow: true,
      writeFailing: false,
    });
    t.equal(readSiteHealth('x05/v1/hq/gateway/status', healthOf('2026-12-04T19:59:00Z')), undefined);
    t.equal(readSiteHealth(healthTopic, Buffer.alloc(0)), undefined, 'a cleared retained message');
    t.equal(readSiteHealth(healthTopic, Buffer.from('{')), 'not JSON');
    t.equal(readSiteHealth(healthTopic, Buffer.from('[1]')), 'not a JSON object');
    t.equal(readSiteHealth(healthTopic, healthOf('yesterday')), 'at is not a time');
    t.match(readSiteHealth(healthTopic, Buffer.alloc(20_000, 32)), /^payload of 20000 bytes$/);
    t.match(
      readSiteHealth(healthTopic, healthOf('2026-12-04T19:59:00Z', { queued: 'many', disk_low: 'yes' })),
      { queued: undefined, diskLow: false },
      'a field of the wrong type is no figure, not a guess',
    );
  },
);

t.test(
  'the newest health message is the one kept; the queue is whichever message said it last',
  async (t) => {
    const fleet = new FleetView(DAY_MS);
    const health = (atMs: number, queued: number) =>
      readSiteHealth(healthTopic, healthOf(new Date(atMs).toISOString(), { queued })) as SiteHealth;
    fleet.health(health(NOW - 60_000, 40));
    fleet.health(health(NOW - 120_000, 99));
    t.match(fleet.sites(NOW)[0], {
      queued: 40,
      lastSeenMs: NOW - 60_000,
      stale: false,
      health: { queued: 40 },
    });
    t.notOk(
      'site' in (fleet.sites(NOW)[0]?.health ?? {}),
      'the site is the card, not repeated in its health',
    );
    fleet.terminal(status('hq', 'A', NOW - 30_000, { queued: 41 }));
    t.equal(fleet.sites(NOW)[0]?.queued, 41, 'a terminal status newer than the health');
    fleet.health(health(NOW - 10_000, 0));
    t.equal(fleet.sites(NOW)[0]?.queued, 0);
    t.equal(
      fleet.sites(NOW + 2 * DAY_MS)[0]?.stale,
      true,
      'health stops: the site goes stale like any other',
    );
  },
);
