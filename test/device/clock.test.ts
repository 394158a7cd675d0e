/** Clock drift as a figure, a warning past the threshold, and the optional set-time (SET_TIME + REFRESHDATA). */
import { pino } from 'pino';
import t from 'tap';
import { DevicePoller, type DeviceStatus, pullDevice } from '../../src/device/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const quiet = pino({ level: 'silent' });

t.test('drift past drift_warn_s: figure in the status, a warning in the log', async (t) => {
  const sim = await startSimulator({ records: 10, clockOffsetS: -600, serial: 'CLK-1', logger: quiet });
  t.teardown(() => sim.stop());
  const store = await PunchStore.open(tempDir(t));
  t.teardown(() => store.close());
  const lines: Array<{ msg: string; clock_offset_s?: number }> = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const statuses: DeviceStatus[] = [];
  const poller = new DevicePoller({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: zone,
    timeoutMs: 5000,
    intervalMs: 60_000,
    driftWarnS: 60,
    label: 'clk',
    sink: store,
    logger,
    onStatus: (s) => statuses.push(s),
  });
  const { result } = await poller.syncOnce();
  t.ok(Math.abs(result.clockOffsetS! + 600) <= 2, `offset ${result.clockOffsetS} ≈ −600`);
  t.match(statuses[0], { clock_warning: true });
  t.ok(
    lines.some((l) => l.msg === 'device clock drift' && Math.abs((l.clock_offset_s ?? 0) + 600) <= 2),
    'warning logged',
  );
  t.equal(result.clockSet, false, 'the clock is never set unless asked');
  t.ok(Math.abs(sim.device.clock.offsetSeconds + 600) <= 1);
});

t.test('set_time moves the device clock to the gateway clock', async (t) => {
  const sim = await startSimulator({ records: 3, clockOffsetS: 900, logger: quiet });
  t.teardown(() => sim.stop());
  const r = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: zone,
    timeoutMs: 5000,
    setTime: true,
    setTimeAboveS: 60,
  });
  t.equal(r.clockSet, true);
  t.ok(
    Math.abs(sim.device.clock.offsetSeconds) <= 2,
    `device offset now ${sim.device.clock.offsetSeconds} s`,
  );
  const again = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: zone,
    timeoutMs: 5000,
  });
  t.ok(Math.abs(again.clockOffsetS!) <= 2, 'measured drift is gone');
});
