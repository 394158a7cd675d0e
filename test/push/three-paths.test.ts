import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { pullDevice } from '../../src/device/index.js';
import { importFile } from '../../src/import/index.js';
import { startPushServer } from '../../src/push/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { startPushTerminal } from '../../src/sim/push-terminal.js';
import { PunchStore } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = pino({ level: 'silent' });
const SN = 'X05-TRIPLE-1';
const ZONE = 'Asia/Kolkata';
const same = { serial: SN, seed: 21, users: 40, records: 1500, untilDate: '2024-05-10' };

t.test('the same punches via TCP pull, push and a USB file end as one event each', async (t) => {
  const dir = tempDir(t);
  const store = await PunchStore.open(join(dir, 'store'));
  t.teardown(() => store.close());

  // 1. TCP pull from the simulator
  const sim = await startSimulator({ ...same, logger });
  t.teardown(() => sim.stop());
  const pulled = await pullDevice({
    host: sim.host,
    port: sim.port,
    site: 'hq',
    timezone: ZONE,
    timeoutMs: 5000,
  });
  t.equal(pulled.serial, SN);
  const first = await store.accept(pulled.events);
  t.same(first, { stored: 1500, duplicates: 0, implausible: 0 });

  // 2. the same terminal in push mode
  const server = await startPushServer({
    site: 'hq',
    devices: [{ serial: SN, timezone: ZONE }],
    sink: store,
    logger,
  });
  t.teardown(() => server.stop());
  const term = await startPushTerminal({ ...same, url: server.url, pollMs: 50, retryMs: 50, logger });
  t.teardown(() => term.stop());
  await term.whenIdle();
  t.same(
    term.records.map((r) => [r.userId, r.deviceTime, r.punch]),
    sim.device.records.map((r) => [r.userId, r.deviceTime, r.punch]),
    'both simulators hold the same log',
  );
  t.match(server.counters, { lines: 1500, stored: 0, duplicates: 1500, rejected: 0 });

  // 3. its USB export: PIN padded to 9, machine number in column 3 (usb-export §2.1), CRLF
  const file = join(dir, '1_attlog.dat');
  const lines = sim.device.records.map(
    (r) =>
      `${r.userId.padStart(9, ' ')}\t${r.deviceTime.replace('T', ' ')}\t1\t${r.punch}\t${r.verify}\t0\r\n`,
  );
  writeFileSync(file, lines.join(''), 'latin1');
  const imported = await importFile({ file, device: SN, site: 'hq', timezone: ZONE, sink: store });
  t.match(imported, { read: 1500, new: 0, duplicate: 1500, rejectedCount: 0 });

  const all = [];
  for await (const e of store.rawLog()) all.push(e);
  t.equal(all.length, 1500, 'one event per punch');
  t.same(
    all.map((e) => e.id),
    pulled.events.map((e) => e.id),
  );
  t.ok(
    all.every((e) => e.source === 'pull'),
    'first seen by the pull',
  );
  t.equal(store.outboxDepth, 1500);
});
