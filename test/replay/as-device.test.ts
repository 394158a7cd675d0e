/**
 * Each committed capture served as a fake terminal over a real socket, TCP or UDP as recorded, to our own
 * session code (style.md §6): pullDevice must download exactly the simulator's log from a recorded full
 * download, and must fail with X05_CLOSED — taking no punch — from a recorded broken session, as it did live.
 */
import t from 'tap';
import { pullDevice } from '../../src/device/pull.js';
import { runRealtimeSession } from '../../src/device/realtime.js';
import { deviceScript, startReplayDevice } from '../../src/replay/device.js';
import { loadCaptures } from './capture-files.js';

// the gateway reads the clock after the log; `pull` reads it first, to write lines as the log arrives: a
// capture recorded in either order serves both
const orders = [
  { name: 'clock after the log', batchesWhileReading: false },
  { name: 'clock first, batches while reading', batchesWhileReading: true },
];

for (const c of loadCaptures())
  for (const order of orders)
    t.test(`${c.name} served as a terminal to pullDevice (${order.name})`, async (t) => {
      const device = await startReplayDevice(deviceScript(c.session));
      t.teardown(() => device.close());
      const pull = pullDevice({
        host: device.host,
        port: device.port,
        site: 'replay',
        timezone: 'UTC',
        timeoutMs: 10_000,
        batchesWhileReading: order.batchesWhileReading,
        // the recorded AUTH answer is replayed whatever the key: any key stands in for the redacted one
        ...(c.sidecar.comm_key === null ? {} : { commKey: 1 }),
        // served over the transport it was recorded on
        ...(c.session.transport === 'udp' ? { transport: 'udp' as const } : {}),
      });
      if (c.sidecar.expected.pull_exit_code !== 0) {
        await t.rejects(pull, { code: c.sidecar.expected.error_code });
        return;
      }
      const result = await pull;
      t.equal(result.serial, c.sidecar.expected.serial);
      t.equal(result.recordSize, c.sidecar.expected.record_size);
      t.same(result.rejected, []);
      t.same(
        result.events.map((e) => ({
          userId: e.user_id,
          deviceTime: e.device_time,
          verify: e.verify,
          punch: e.punch,
        })),
        c.records,
        'the simulator log, in order',
      );
    });

t.test('the realtime capture served to the realtime session delivers its events', async (t) => {
  const c = loadCaptures().find((x) => x.name === 'x05sim-v660-realtime-punches.pcap')!;
  const device = await startReplayDevice(deviceScript(c.session));
  t.teardown(() => device.close());
  const stop = new AbortController();
  const got: Array<Record<string, unknown>> = [];
  let synced = 0;
  await runRealtimeSession({
    host: device.host,
    port: device.port,
    site: 'replay',
    timezone: 'UTC',
    timeoutMs: 10_000,
    heartbeatMs: 60_000,
    signal: stop.signal,
    onSynced: async (r) => {
      synced = r.events.length;
    },
    onPunches: async (events) => {
      for (const e of events)
        got.push({
          userId: e.user_id,
          deviceTime: e.device_time,
          verify: e.verify,
          punch: e.punch,
          source: e.source,
        });
      if (got.length === c.sidecar.expected.realtime_events!.length) stop.abort();
    },
  });
  t.equal(synced, c.sidecar.expected.record_count, 'the catch-up read');
  t.same(
    got,
    c.sidecar.expected.realtime_events!.map((e) => ({ ...e, source: 'realtime' })),
  );
});

t.test('a request the recording never saw gets ACK_UNKNOWN, and the replay keeps serving', async (t) => {
  const full = loadCaptures().find((c) => c.sidecar.scenario === 'full-download')!;
  const script = deviceScript(full.session);
  // drop the recorded GET_FREE_SIZES exchange: the live client's request has no answer any more
  const device = await startReplayDevice({
    ...script,
    exchanges: script.exchanges.filter((e) => e.request.command !== 50),
  });
  t.teardown(() => device.close());
  await t.rejects(
    pullDevice({ host: device.host, port: device.port, site: 'replay', timezone: 'UTC', timeoutMs: 10_000 }),
    { code: 'X05_REFUSED' },
  );
});
