import { PassThrough } from 'node:stream';
import t, { type Test } from 'tap';
import { makePunchEvent, type PunchEvent } from '../../src/event/index.js';
import { dryRunWriter, FrappeBatchWriter, FrappeClient } from '../../src/frappe/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';

function punch(i: number, userId: string): PunchEvent {
  return makePunchEvent({
    deviceId: 'X05-1',
    site: 'hq',
    userId,
    deviceTime: new Date(Date.UTC(2024, 4, 1, 6, 0, 0) + i * 60_000).toISOString().slice(0, 19),
    timezone: 'Europe/Berlin',
    punch: i % 2,
    verify: 1,
    source: 'pull',
    receivedAt: new Date('2024-05-01T12:00:00Z'),
    clockOffsetS: null,
    raw: '',
  });
}

/** What the forwarder's BatchPipeline does with one batch, without MQTT. */
async function writeBatch(writer: FrappeBatchWriter, events: PunchEvent[]) {
  const items = await writer.prepare(events);
  const states = await writer.findRawLogs(items);
  const results = await writer.writeCheckins(items);
  await writer.recordRawLogs(items, results, states);
}

function insertMany(t: Test, lines: string[], doctype: string): Array<Record<string, unknown>> {
  const tag = new RegExp(`^POST \\S+/api/method/frappe\\.client\\.insert_many \\[(\\d+) × ${doctype}\\] `);
  return lines
    .filter((l) => tag.test(l))
    .flatMap((l) => {
      const docs = (JSON.parse(l.slice(l.indexOf('{'))) as { docs: Array<Record<string, unknown>> }).docs;
      t.equal(docs.length, Number(tag.exec(l)![1]), 'the tag counts the docs of the call');
      return docs;
    });
}

t.test(
  'the dry run prints the batching writer’s requests (insert_many per stage), and sends nothing',
  async (t) => {
    const site = await FrappeStandin.start({
      apiKey: 'k',
      apiSecret: 's',
      timeZone: 'Asia/Kolkata',
      employees: ['4711', '4712'].map((id) => ({ employee_name: `E${id}`, attendance_device_id: id })),
    });
    t.teardown(() => site.close());
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d: Buffer) => {
      printed += d.toString();
    });
    const events = Array.from({ length: 30 }, (_, i) => punch(i, i % 2 ? '4712' : '4711'));
    await writeBatch(dryRunWriter({ url: site.url, siteTimezone: 'Asia/Kolkata', out }), events);
    t.equal(site.requests.length, 0, 'nothing reached the site');

    const lines = printed.trimEnd().split('\n');
    t.notOk(
      lines.some((l) => l.includes('add_log_based_on_employee_field')),
      'no per-punch add_log calls',
    );
    t.equal(
      lines.filter((l) => l.startsWith('POST ')).length,
      3,
      'one insert_many for Checkins, one for the terminal’s Biometric Device record, one for Raw Logs',
    );
    t.match(
      lines[0],
      `GET ${site.url}/api/resource/Attendance Raw Log?fields=["name","status","employee_checkin"]`,
    );
    const checkins = insertMany(t, lines, 'Employee Checkin');
    const rawLogs = insertMany(t, lines, 'Attendance Raw Log');
    t.equal(checkins.length, 30);
    t.equal(rawLogs.length, 30);
    t.match(checkins[0], {
      employee: '<Employee attendance_device_id=4711>',
      time: '2024-05-01 09:30:00',
      device_id: 'X05-1',
      log_type: 'IN',
    });
    t.match(rawLogs[0], { hash: events[0]!.id, status: 'Synced', employee_checkin: '<Employee Checkin 1>' });

    // the same batch for real: what was printed is what gets stored, apart from the names Frappe gives
    const client = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 's' });
    await writeBatch(new FrappeBatchWriter({ client, siteTimezone: 'Asia/Kolkata' }), events);
    const employeeOf = new Map(
      site.employees.map((e) => [`<Employee attendance_device_id=${e.attendance_device_id}>`, e.name]),
    );
    checkins.forEach((c, i) => {
      const { doctype: _, employee, ...fields } = c;
      t.match(site.checkins[i], { ...fields, employee: employeeOf.get(String(employee)) });
    });
    rawLogs.forEach((r, i) => {
      const { doctype: _, employee_checkin: __, ...fields } = r;
      t.match(
        site.rawLogs.find((l) => l.name === r.hash),
        { ...fields, employee_checkin: site.checkins[i]!.name },
      );
    });
  },
);
