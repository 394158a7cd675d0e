import t from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { FrappeBatchWriter, type FrappeBatchWriterOptions, FrappeClient } from '../../src/frappe/index.js';
import { retryUnmapped } from '../../src/frappe/unmapped-retry.js';
import { FrappeStandin, type StandinOptions } from '../helpers/frappe-standin.js';

function punch(i: number, userId: string, code = 0, deviceId = 'X05-1'): PunchEvent {
  return makePunchEvent({
    deviceId,
    site: 'hq',
    userId,
    deviceTime: new Date(Date.UTC(2024, 4, 1, 6, 0, 0) + i * 60_000).toISOString().slice(0, 19),
    timezone: 'Europe/Berlin',
    punch: code,
    verify: 1,
    source: 'pull',
    receivedAt: new Date('2024-05-01T12:00:00Z'),
    clockOffsetS: null,
    raw: '',
  });
}

async function setup(opts: StandinOptions = {}, more: Partial<FrappeBatchWriterOptions> = {}) {
  const site = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: 's',
    timeZone: 'Asia/Kolkata',
    employees: [{ employee_name: 'Jane Doe', attendance_device_id: '4711' }],
    ...opts,
  });
  t.teardown(() => site.close());
  const client = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 's', timeoutMs: 5000 });
  return { site, writer: new FrappeBatchWriter({ client, siteTimezone: 'Asia/Kolkata', ...more }) };
}

/** What the forwarder does with one batch, without MQTT. */
async function writeBatch(writer: FrappeBatchWriter, events: PunchEvent[]) {
  const items = await writer.prepare(events);
  const states = await writer.findRawLogs(items);
  const results = await writer.writeCheckins(items);
  const refused = await writer.recordRawLogs(items, results, states);
  return { results, refused };
}

t.test('one punch: Checkin in site time, Raw Log written last with its final status and link', async (t) => {
  const { site, writer } = await setup();
  const e = punch(0, '4711');
  const out = await writer.writePunch(e);
  t.match(out, { status: 'Synced', rawLog: e.id, checkin: /^EMP-CKIN-/, via: 'inserted' });
  // Berlin 06:00 CEST = 04:00 UTC = 09:30 IST (frappe §4: naive time in the System Settings zone)
  t.match(site.checkins, [{ employee: 'HR-EMP-00001', time: '2024-05-01 09:30:00', log_type: 'IN' }]);
  t.match(site.rawLogs, [
    { name: e.id, status: 'Synced', employee_checkin: out.checkin, event_time: '2024-05-01 09:30:00' },
  ]);
  site.requests.length = 0;
  t.match(await writer.writePunch(e), { status: 'Synced', via: 'already-synced', checkin: out.checkin });
  t.equal(site.requests.length, 1, 'a replay costs one GET and writes nothing');
  t.equal(site.checkins.length, 1);
});

t.test('log_type: from the punch code, fixed per device, empty for unknown codes', async (t) => {
  const { site, writer } = await setup({}, { deviceLogTypes: { 'X05-EXIT': 'OUT' } });
  const events = [
    punch(0, '4711', 0),
    punch(1, '4711', 1),
    punch(2, '4711', 255),
    punch(3, '4711', 0, 'X05-EXIT'),
  ];
  await writeBatch(writer, events);
  t.same(
    site.checkins.map((c) => c.log_type ?? null),
    ['IN', 'OUT', null, 'OUT'],
  );
  t.same(
    events.map((e) => site.rawLogs.find((r) => r.name === e.id)?.event_type),
    ['IN', 'OUT', 'UNKNOWN', 'OUT'],
  );
});

t.test('a refused Checkin among 200 is isolated by bisection; the other 199 are written', async (t) => {
  const { site, writer } = await setup({ strictShift: 'Night' });
  // code 255 has no log_type, which the Night shift ("Strictly based on Log Type") refuses
  const events = Array.from({ length: 200 }, (_, i) => punch(i, '4711', i === 137 ? 255 : i % 2));
  const { results } = await writeBatch(writer, events);
  t.equal(site.checkins.length, 199);
  t.match(results[137], { status: 'Error', message: /Log Type is required/ });
  t.equal(results.filter((r) => r.status === 'Synced').length, 199);
  const manyCalls = site.requests.filter((r) => r.path.endsWith('insert_many')).length;
  // one failed call, then two halves per level down to the one bad document: ≤ 1 + 2 × ceil(log2 200)
  t.ok(manyCalls <= 1 + 2 * 8 + 1, `${manyCalls} insert_many calls`);
  t.match(
    site.rawLogs.find((r) => r.name === events[137]!.id),
    { status: 'Error' },
  );
});

t.test('Unmapped punches are written once a mapping appears (forwarder --retry-unmapped)', async (t) => {
  const { site, writer } = await setup();
  const events = [punch(0, '77'), punch(1, '77'), punch(2, '4711')];
  await writeBatch(writer, events);
  t.equal(site.rawLogs.filter((r) => r.status === 'Unmapped').length, 2);
  t.match(await retryUnmapped(writer), { checked: 2, written: 0, stillUnmapped: 2 }, 'nothing to write yet');
  const kim = site.addEmployee({ employee_name: 'Kim Late' });
  site.insert('Biometric User Map', { device_user_id: '77', employee: kim.name, device: 'X05-1' });
  t.match(await retryUnmapped(writer), { checked: 2, written: 2, stillUnmapped: 0 });
  t.equal(site.checkins.filter((c) => c.employee === kim.name).length, 2);
  t.ok(
    events.every((e) => site.rawLogs.find((r) => r.name === e.id)?.status === 'Synced'),
    'all three Synced',
  );
  t.match(await retryUnmapped(writer), { checked: 0, written: 0 }, 'a second pass finds nothing');
  t.equal(site.checkins.length, 3);
});

t.test('a Checkin written before the event id field existed is found, not written again', async (t) => {
  const { site, writer } = await setup();
  const [old, fresh] = [punch(0, '4711'), punch(1, '4711')];
  // as an older forwarder (or the sync tool) left it: no event id
  const before = site.insert('Employee Checkin', {
    employee: 'HR-EMP-00001',
    time: '2024-05-01 09:30:00',
    device_id: 'X05-1',
    log_type: 'IN',
  });
  const { results } = await writeBatch(writer, [old, fresh]);
  t.match(results, [
    { status: 'Synced', checkin: before.name, via: 'found-existing' },
    { status: 'Synced', via: 'inserted' },
  ]);
  t.equal(site.checkins.length, 2);
  t.match(
    site.rawLogs.find((r) => r.name === old.id),
    { employee_checkin: before.name },
  );
  t.match(
    site.checkins.find((c) => c.name !== before.name),
    { x05_event_id: fresh.id },
  );
});
