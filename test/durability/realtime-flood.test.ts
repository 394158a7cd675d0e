import { readFileSync } from 'node:fs';
import t from 'tap';
import { spawnCli, stopCli, waitForOutput } from '../helpers/cli.js';
import { freePort, waitForPort } from '../helpers/free-port.js';
import { writeSiteConfig } from '../helpers/gateway-site.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const FLOOD_RATE = 6000;
const FLOOD_S = 30;
const POLL_S = 2;

interface LogLine {
  time: number;
  msg: string;
  device?: string;
  punches?: number;
}

const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Gaps between one terminal's `sync done` lines inside [from, to). */
const syncGaps = (lines: LogLine[], device: string, from: number, to: number) => {
  const times = lines.filter((l) => l.msg === 'sync done' && l.device === device).map((l) => l.time);
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++)
    if (times[i]! >= from && times[i]! < to) gaps.push(times[i]! - times[i - 1]!);
  return gaps;
};

t.test(
  'a terminal flooding realtime events: two healthy terminals keep their cadence, memory stays flat',
  async (t) => {
    const dir = tempDir(t);
    const broker = await Mosquitto.start();
    t.teardown(() => broker.stop());
    const sims = [
      // staff punching: every sync of a healthy terminal has new punches to store, behind the flood's
      { serial: 'HEALTHY-A', port: await freePort(), args: ['--realtime-rate', '2'] },
      { serial: 'HEALTHY-B', port: await freePort(), args: ['--realtime-rate', '2'] },
      // quiet at first, so the gateway's idle memory and cadence are measured before the flood
      {
        serial: 'FLOODER',
        port: await freePort(),
        args: [
          '--realtime-rate',
          String(FLOOD_RATE),
          '--realtime-delay-s',
          '10',
          '--users',
          '500',
          '--record-capacity',
          '400000',
        ],
      },
    ];
    for (const s of sims) {
      const p = spawnCli([
        'simulate',
        '--port',
        String(s.port),
        '--serial',
        s.serial,
        '--records',
        '300',
        '--seed',
        String(s.port),
        ...s.args,
      ]);
      t.teardown(() => stopCli(p));
      await waitForPort(s.port, 30_000);
    }
    const config = writeSiteConfig({
      dir,
      site: 'flood',
      brokerUrl: broker.url,
      pollIntervalS: POLL_S,
      devices: sims.map((s) => ({
        host: '127.0.0.1',
        port: s.port,
        serial: s.serial,
        ...(s.serial === 'FLOODER' ? { options: { realtime: true } } : {}),
      })),
    });
    const t0 = Date.now();
    const gw = spawnCli(['gateway', '--config', config], { X05_LOG_LEVEL: 'info' });
    t.teardown(() => stopCli(gw));
    await waitForOutput(gw, /"device":"HEALTHY-B".*"msg":"sync done"/, 60_000);

    t.comment(`phase: healthy synced at ${Date.now() - t0} ms`);
    const samples: Array<{ at: number; rss: number }> = [];
    const sampler = setInterval(() => samples.push({ at: Date.now(), rss: rssBytes(gw.pid!) }), 200);
    t.teardown(() => clearInterval(sampler));
    const floodStart = async () =>
      logLines(gw.output()).find((l) => l.msg === 'realtime punches stored')?.time;
    await until('the flood to start', async () => (await floodStart()) !== undefined, 60_000, 100);
    const start = (await floodStart())!;
    t.comment(`phase: flood started at ${start - t0} ms, seen at ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, FLOOD_S * 1000));
    const end = Date.now();
    clearInterval(sampler);

    const lines = logLines(gw.output());
    // the gateway logs the counts since its last line, at the first batch and then every 10 s
    const summaries = lines.filter((l) => l.msg === 'realtime punches stored' && l.time < end);
    const floodStored = summaries.reduce((n, l) => n + (l.punches ?? 0), 0);
    const floodSpanS = (summaries.at(-1)!.time - start) / 1000;
    const idle = median(samples.filter((s) => s.at < start).map((s) => s.rss));
    const peak = Math.max(...samples.filter((s) => s.at >= start).map((s) => s.rss));
    const report: Record<string, number> = {
      flood_events_stored: floodStored,
      flood_events_per_s: Math.round(floodStored / floodSpanS),
      rss_idle_mb: Math.round(idle / 2 ** 20),
      rss_peak_mb: Math.round(peak / 2 ** 20),
    };
    for (const device of ['HEALTHY-A', 'HEALTHY-B']) {
      const before = syncGaps(lines, device, 0, start);
      const during = syncGaps(lines, device, start, end);
      const cadence = median(before);
      report[`${device}_cadence_ms`] = cadence;
      report[`${device}_max_gap_in_flood_ms`] = Math.max(...during);
      t.ok(
        during.length >= FLOOD_S / (2 * POLL_S),
        `${device} synced ${during.length} times during the flood`,
      );
      t.ok(Math.max(...during) <= 2 * cadence, `${device}: every gap within 2× its cadence of ${cadence} ms`);
    }
    t.comment(JSON.stringify(report));
    t.ok(floodStored >= 10_000, `a real flood: ${floodStored} events stored in ${Math.round(floodSpanS)} s`);
    t.ok(peak <= 2 * idle, `peak RSS ${report.rss_peak_mb} MB within 2× idle ${report.rss_idle_mb} MB`);
  },
);
