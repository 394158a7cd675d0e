import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Test } from 'tap';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { punchEventId } from '../../src/event/punch-event.js';
import { importFile } from '../../src/import/index.js';
import { startPushServer } from '../../src/push/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { startPushTerminal } from '../../src/sim/push-terminal.js';
import { StoreError } from '../../src/store/index.js';
import { simPoller } from '../helpers/sim-poller.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { PunchSource } from './punch-sink-contract.js';

const logger = pino({ level: 'silent' });
const ZONE = 'UTC';
const LOG = { serial: 'X05-CONTRACT', seed: 7, users: 30, untilDate: '2024-05-10' };
/** More punches than one device batch (5,000 slots), so a refusal can fall in the middle of a delivery. */
const PULL_RECORDS = 6_000;
/** Push and import batches are set here (1,000 lines): 2,500 punches make two full batches and a part. */
const RECORDS = 2_500;
const BATCH_LINES = 1_000;

const idsOf = (records: readonly AttlogRecord[]) =>
  records.map((r) => punchEventId(LOG.serial, r.userId, r.deviceTime.replace('T', ' '), r.punch));

/** A sink refusal surfaces as the store's typed error; anything else is a fault of the source. */
function refusalOnly(err: unknown): void {
  if (!(err instanceof StoreError) && !(err instanceof Error && err.cause instanceof StoreError)) throw err;
}

/** The terminal pull: a simulator over TCP and the gateway's poller, one sync per delivery. */
export async function pullSource(t: Test): Promise<PunchSource> {
  const sim = await startSimulator({ ...LOG, records: PULL_RECORDS, logger });
  t.teardown(() => sim.stop());
  return {
    expectedIds: idsOf(sim.device.records),
    deliver: (sink) =>
      simPoller(sim, { sink, logger, label: 'contract', timezone: ZONE })
        .syncOnce()
        .then(() => undefined, refusalOnly),
  };
}

/** The push receiver: a simulated push terminal posting ATTLOG over HTTP, re-sending what is not answered OK. */
export async function pushSource(_t: Test): Promise<PunchSource> {
  const probe = await startPushTerminal({
    ...LOG,
    records: RECORDS,
    url: 'http://127.0.0.1:9',
    pollMs: 60_000,
    logger,
  });
  const expectedIds = idsOf(probe.records);
  await probe.stop();
  return {
    expectedIds,
    async deliver(sink) {
      const server = await startPushServer({
        site: 'hq',
        devices: [{ serial: LOG.serial, timezone: ZONE }],
        sink,
        logger,
      });
      const term = await startPushTerminal({
        ...LOG,
        records: RECORDS,
        url: server.url,
        pollMs: 50,
        retryMs: 50,
        batchSize: BATCH_LINES,
        logger,
      });
      try {
        await term.whenIdle();
      } finally {
        await term.stop();
        await server.stop();
      }
    },
  };
}

/** The file import: the terminal's USB export (`1_attlog.dat`), imported in batches of 1,000 lines. */
export async function importSource(t: Test): Promise<PunchSource> {
  const sim = await startSimulator({ ...LOG, records: RECORDS, logger });
  const records = [...sim.device.records];
  await sim.stop();
  const file = join(tempDir(t), '1_attlog.dat');
  const line = (r: AttlogRecord) =>
    `${r.userId.padStart(9, ' ')}\t${r.deviceTime.replace('T', ' ')}\t1\t${r.punch}\t${r.verify}\t0\r\n`;
  writeFileSync(file, records.map(line).join(''), 'latin1');
  return {
    expectedIds: idsOf(records),
    deliver: (sink) =>
      importFile({
        file,
        device: LOG.serial,
        site: 'hq',
        timezone: ZONE,
        sink,
        batchLines: BATCH_LINES,
      }).then(() => undefined, refusalOnly),
  };
}
