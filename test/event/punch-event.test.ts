/**
 * PunchEvent (design.md "PunchEvent"): the id is sha1 of `device_id|user_id|device_time|punch` with a space
 * in the time, and the JSON form is the MQTT payload and the stored bytes. Expected values were taken from
 * the createHash implementation before the one-shot digest and the per-read maker replaced it: ids and
 * bytes must not move, or every punch already in a store or in Frappe would get a second row.
 */
import t from 'tap';
import {
  decodeAttlogRecords,
  encodeAttlogDataset,
  slotBytes,
  slotHex,
} from '../../protocol/zk/attlog-dataset.js';
import { makePunchEvent, punchEventId, punchEventMaker } from '../../src/event/punch-event.js';
import { decodePunchEvent, encodePunchEvent } from '../../src/payload/punch-payload.js';
import { generatePunches, generateUsers } from '../../src/sim/generate.js';

const receivedAt = new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 123));
const raw40 = Buffer.from(
  'c40031313936000000000000000000000000000000000000000002a9404f33000000000000000000',
  'hex',
);

t.test('id: sha1 of device_id|user_id|device_time|punch, time with a space', async (t) => {
  t.equal(
    punchEventId('DEV-1', '1196', '2026-10-13T07:58:33', 0),
    '3ce300a74a741e22a8cc253960221c8a6de1a7f9',
  );
  t.equal(
    punchEventId('SN-Ä', '0042', '2024-02-29T23:59:59', 255),
    '7b57604f8ef64f1143f6ef3cc8df36a810daf8c1',
    'non-ASCII is hashed as UTF-8',
  );
});

t.test('JSON form: field order and values as stored and published', async (t) => {
  const e = makePunchEvent({
    deviceId: 'DEV-1',
    site: 's',
    userId: '1196',
    deviceTime: '2026-10-13T07:58:33',
    timezone: 'Europe/Berlin',
    punch: 0,
    verify: 2,
    source: 'pull',
    receivedAt,
    clockOffsetS: -3,
    raw: raw40,
  });
  t.equal(
    encodePunchEvent(e).toString(),
    '{"v":1,"id":"3ce300a74a741e22a8cc253960221c8a6de1a7f9","device_id":"DEV-1","site":"s","user_id":"1196",' +
      '"device_time":"2026-10-13T07:58:33","timezone":"Europe/Berlin","punch":0,"verify":2,"source":"pull",' +
      '"received_at":"2026-11-30T12:00:00.123Z","clock_offset_s":-3,' +
      '"raw":"c40031313936000000000000000000000000000000000000000002a9404f33000000000000000000"}',
  );
  t.same(decodePunchEvent(encodePunchEvent(e)), e, 'round trip through the codec');
});

t.test('raw: hex of the bytes, or of the UTF-8 of a text line', async (t) => {
  const base = {
    deviceId: 'D',
    site: 's',
    userId: '7',
    deviceTime: '2026-01-02T03:04:05',
    timezone: 'UTC',
    punch: 1,
    verify: 2,
    source: 'push' as const,
    receivedAt,
    clockOffsetS: null,
  };
  t.equal(makePunchEvent({ ...base, raw: 'héllo\tline' }).raw, '68c3a96c6c6f096c696e65');
  t.equal(makePunchEvent({ ...base, raw: new Uint8Array([1, 2, 255]) }).raw, '0102ff', 'a plain Uint8Array');
  const window = Buffer.from([9, 1, 2, 255, 9]).subarray(1, 4);
  t.equal(makePunchEvent({ ...base, raw: window }).raw, '0102ff', 'a view: its own bytes only');
});

t.test('a pull maker builds the same events as makePunchEvent, byte for byte', async (t) => {
  const users = generateUsers(3, 40);
  const punches = generatePunches(3, users, 2000, {
    year: 2026,
    month: 11,
    day: 30,
    hour: 0,
    minute: 0,
    second: 0,
  });
  const log = decodeAttlogRecords(encodeAttlogDataset(punches, 40).subarray(4), punches.length);
  const shared = {
    deviceId: 'BENCH-DL',
    site: 'bench',
    timezone: 'Asia/Kolkata',
    source: 'pull' as const,
    receivedAt,
    clockOffsetS: 12,
  };
  const make = punchEventMaker(shared);
  const made = log.records.map((r) => encodePunchEvent(make(r, slotHex(log, r.index))).toString());
  const one = log.records.map((r) =>
    encodePunchEvent(
      makePunchEvent({
        ...shared,
        userId: r.userId,
        deviceTime: r.deviceTime,
        punch: r.punch,
        verify: r.verify,
        raw: slotBytes(log, r.index),
      }),
    ).toString(),
  );
  t.equal(made.length, 2000);
  t.same(made, one);
});
