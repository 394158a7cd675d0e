/**
 * Fault switches not covered elsewhere: slow replies, and a link cut while the terminal is disabled for a
 * read. Each asserts what the gateway does and that the store holds every punch once.
 */
import { pino } from 'pino';
import t from 'tap';
import { DevicePoller, pullDevice } from '../../src/device/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });

async function storedIds(store: PunchStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.rawLog()) out.push(e.id);
  return out;
}

t.test(
  'delayed replies: within the timeout a slow terminal is just slow; past it, a typed timeout',
  async (t) => {
    const sim = await startSimulator({ records: 400, serial: 'SLOW-1', faults: { delayMs: 150 }, logger });
    t.teardown(() => sim.stop());
    const store = await PunchStore.open(tempDir(t));
    t.teardown(() => store.close());
    const poller = (timeoutMs: number) =>
      new DevicePoller({
        host: sim.host,
        port: sim.port,
        site: 'hq',
        timezone: 'UTC',
        timeoutMs,
        intervalMs: 60_000,
        label: 'slow',
        sink: store,
        logger,
      });
    t.equal((await poller(3000).syncOnce()).stored, 400, 'slow but complete');
    for (let i = 0; i < 5; i++)
      sim.device.addPunch({
        uid: 1,
        userId: '1001',
        verify: 1,
        punch: 0,
        deviceTime: `2026-12-01T06:0${i}:00`,
        workcode: 0,
      });
    sim.device.faults.delayMs = 800;
    await t.rejects(poller(300).syncOnce(), { code: 'X05_TIMEOUT', device: 'slow' });
    t.match(await store.cursor('SLOW-1'), { records: 400 }, 'a failed sync moves nothing');
    sim.device.faults.delayMs = 0;
    t.equal((await poller(3000).syncOnce()).stored, 5);
    const ids = await storedIds(store);
    t.equal(ids.length, 405);
    t.equal(new Set(ids).size, 405);
  },
);

t.test(
  'disable around the read: re-enabled after success, and on the next connect after a cut',
  async (t) => {
    const sim = await startSimulator({ records: 3000, maxDataPayload: 1008, logger });
    t.teardown(() => sim.stop());
    const pull = () =>
      pullDevice({
        host: sim.host,
        port: sim.port,
        site: 'hq',
        timezone: 'UTC',
        timeoutMs: 3000,
        disableDuringRead: true,
      });
    t.equal((await pull()).events.length, 3000);
    t.equal(sim.device.enabled, true, 're-enabled in finally');
    sim.device.faults.dropAfterBytes = 50_000;
    await t.rejects(pull(), { code: 'X05_CLOSED' });
    t.equal(sim.device.enabled, false, 'the cut left the terminal disabled (as a real one would stay)');
    const r = await pull();
    t.equal(r.events.length, 3000);
    t.equal(sim.device.enabled, true, 'the next session re-enabled it');
  },
);
