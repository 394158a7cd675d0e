import { inspect } from 'node:util';
import t from 'tap';
import {
  ADD_LOG_METHOD,
  classifyFrappeError,
  eventTypeFor,
  FrappeClient,
  FrappeError,
  logTypeFor,
  RAW_LOG_DOCTYPE,
  readSiteTimezone,
  toSiteTime,
} from '../../src/frappe/index.js';
import { FrappeStandin } from '../helpers/frappe-standin.js';
import { freePort } from '../helpers/free-port.js';

const SECRET = 's3cr3t-do-not-log';

async function setup(opts: Parameters<typeof FrappeStandin.start>[0] = {}) {
  const site = await FrappeStandin.start({
    apiKey: 'k',
    apiSecret: SECRET,
    employees: [
      { employee_name: 'Jane Doe', attendance_device_id: '4711' },
      { employee_name: 'Idle Ian', attendance_device_id: '13', status: 'Inactive' },
    ],
    devices: ['X05-1'],
    ...opts,
  });
  t.teardown(() => site.close());
  const client = new FrappeClient({ url: `${site.url}/`, apiKey: 'k', apiSecret: SECRET, timeoutMs: 2000 });
  return { site, client };
}

const args = (extra: Record<string, unknown> = {}) => ({
  employee_field_value: '4711',
  timestamp: '2024-05-01 08:00:00',
  device_id: 'X05-1',
  log_type: 'IN',
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<FrappeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FrappeError) return err;
    throw err;
  }
  throw new Error('expected a FrappeError');
}

t.test('success envelopes: data, message, the JSON content type reaches /api/method', async (t) => {
  const { client } = await setup();
  t.equal(await client.loggedUser(), 'bio@example.com');
  const checkin = await client.callMethod<{ name: string }>(ADD_LOG_METHOD, args());
  t.match(checkin, { name: /^EMP-CKIN-/, employee: 'HR-EMP-00001', time: '2024-05-01 08:00:00' });
  const raw = await client.insertDoc(RAW_LOG_DOCTYPE, {
    hash: 'h1',
    device: 'X05-1',
    device_user_id: '4711',
    event_time: '2024-05-01 08:00:00',
  });
  t.equal(raw.name, 'h1');
  t.match(await client.updateDoc(RAW_LOG_DOCTYPE, 'h1', { status: 'Synced' }), { status: 'Synced' });
  t.match(await client.getDoc(RAW_LOG_DOCTYPE, 'h1'), { name: 'h1', status: 'Synced' });
  const list = await client.getList('Employee', {
    fields: ['name'],
    filters: [['attendance_device_id', '=', '4711']],
    limit: 1,
  });
  t.same(list, [{ name: 'HR-EMP-00001' }]);
});

t.test('error mapping: duplicate, unmapped, validation, auth (§3, §4)', async (t) => {
  const { site, client } = await setup();
  const raw = { hash: 'h1', device: 'X05-1', device_user_id: '4711', event_time: '2024-05-01 08:00:00' };
  await client.insertDoc(RAW_LOG_DOCTYPE, raw);
  t.match(await failure(client.insertDoc(RAW_LOG_DOCTYPE, raw)), {
    code: 'X05_FRAPPE',
    kind: 'duplicate',
    status: 409,
    excType: 'DuplicateEntryError',
    doctype: RAW_LOG_DOCTYPE,
    messages: ['Attendance Raw Log <strong>h1</strong> already exists'],
  });
  await client.callMethod(ADD_LOG_METHOD, args());
  const dup = await failure(client.callMethod(ADD_LOG_METHOD, args()));
  t.match(dup, {
    kind: 'duplicate',
    status: 417,
    method: ADD_LOG_METHOD,
    messages: [/^This employee already has a log/],
  });
  t.match(await failure(client.callMethod(ADD_LOG_METHOD, args({ employee_field_value: '99' }))), {
    kind: 'unmapped',
    messages: ["No Employee found for the given employee field value. 'attendance_device_id': 99"],
  });
  t.match(await failure(client.callMethod(ADD_LOG_METHOD, args({ employee_field_value: '13' }))), {
    kind: 'unmapped',
    excType: 'InactiveEmployeeStatusError',
  });
  t.match(await failure(client.callMethod(ADD_LOG_METHOD, args({ log_type: 'in' }))), {
    kind: 'validation',
    status: 417,
  });
  t.match(await failure(client.getDoc(RAW_LOG_DOCTYPE, 'nope')), {
    kind: 'validation',
    status: 404,
    excType: 'DoesNotExistError',
  });
  const wrong = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: 'wrong' });
  t.match(await failure(wrong.loggedUser()), { kind: 'auth', status: 401, excType: 'AuthenticationError' });
  t.equal(classifyFrappeError(403, 'PermissionError', []), 'auth');
  t.equal(classifyFrappeError(400, 'InvalidAuthorizationToken', []), 'auth');
  t.equal(classifyFrappeError(409, 'NameError', []), 'validation', 'a bad name is not a duplicate');
});

t.test(
  'error mapping: retryable answers — HTML 502/504, 429, 500, reset, timeout, refused (§3)',
  async (t) => {
    const { site, client } = await setup();
    site.failNext(1, { status: 502 });
    t.match(await failure(client.loggedUser()), {
      kind: 'retryable',
      status: 502,
      excType: undefined,
      bodyExcerpt: /Bad Gateway/,
    });
    site.failNext(1, { status: 504, afterCommit: true });
    t.match(await failure(client.callMethod(ADD_LOG_METHOD, args())), { kind: 'retryable', status: 504 });
    t.equal(site.checkins.length, 1, 'the 504 had committed: a retry must expect a duplicate');
    site.failNext(1, { status: 429 });
    t.match(await failure(client.loggedUser()), { kind: 'retryable', status: 429, retryAfterS: 1 });
    const typeError = await failure(client.callMethod(ADD_LOG_METHOD, {}));
    t.match(typeError, { kind: 'retryable', status: 500, excType: 'TypeError' });
    site.failNext(1, { status: 'reset' });
    t.match(await failure(client.loggedUser()), { kind: 'retryable', status: 0 });
    site.latencyMs = 300;
    const slow = new FrappeClient({ url: site.url, apiKey: 'k', apiSecret: SECRET, timeoutMs: 50 });
    t.match(await failure(slow.loggedUser()), {
      kind: 'retryable',
      status: 0,
      message: /timed out after 50 ms/,
    });
    const nobody = new FrappeClient({
      url: `http://127.0.0.1:${await freePort()}`,
      apiKey: 'k',
      apiSecret: SECRET,
    });
    t.match(await failure(nobody.loggedUser()), { kind: 'retryable', status: 0, message: /ECONNREFUSED/ });
  },
);

t.test('the API secret stays out of errors and inspection', async (t) => {
  const { client } = await setup();
  const err = await failure(client.getDoc(RAW_LOG_DOCTYPE, 'nope'));
  for (const text of [
    inspect(client, { showHidden: true }),
    JSON.stringify(client),
    inspect(err),
    JSON.stringify(err),
  ]) {
    t.notMatch(text, SECRET);
  }
});

t.test('site time zone: System Settings, else Frappe’s Asia/Kolkata fallback (§4)', async (t) => {
  const berlin = await setup({ timeZone: 'Europe/Berlin' });
  t.equal(await readSiteTimezone(berlin.client), 'Europe/Berlin');
  const unset = await setup();
  t.equal(await readSiteTimezone(unset.client), 'Asia/Kolkata');
});

t.test('device wall time → site wall time, across DST (earlier instant when ambiguous)', async (t) => {
  const b2k = (wall: string) => toSiteTime(wall, 'Europe/Berlin', 'Asia/Kolkata');
  t.equal(b2k('2024-01-15T08:00:00'), '2024-01-15 12:30:00', 'CET +01:00 → IST +05:30');
  t.equal(b2k('2024-05-01T08:00:00'), '2024-05-01 11:30:00', 'CEST +02:00');
  // spring forward 2024-03-31: 02:00 CET jumps to 03:00 CEST
  t.equal(b2k('2024-03-31T01:59:59'), '2024-03-31 06:29:59');
  t.equal(
    b2k('2024-03-31T02:30:00'),
    '2024-03-31 06:00:00',
    'gap: read with CEST, the earlier instant 00:30Z',
  );
  t.equal(b2k('2024-03-31T03:00:00'), '2024-03-31 06:30:00');
  // fall back 2024-10-27: 03:00 CEST back to 02:00 CET, so 02:00–02:59 happens twice
  t.equal(b2k('2024-10-27T01:59:59'), '2024-10-27 05:29:59');
  t.equal(b2k('2024-10-27T02:30:00'), '2024-10-27 06:00:00', 'repeated hour: the first pass, 00:30Z');
  t.equal(b2k('2024-10-27T03:00:00'), '2024-10-27 07:30:00');
  t.equal(
    toSiteTime('2024-10-27T06:00:00', 'Asia/Kolkata', 'Europe/Berlin'),
    '2024-10-27 02:30:00',
    'into CEST',
  );
  t.equal(
    toSiteTime('2024-10-27T07:00:00', 'Asia/Kolkata', 'Europe/Berlin'),
    '2024-10-27 02:30:00',
    'into CET: same naive time',
  );
  t.equal(
    toSiteTime('2024-12-31T23:30:00', 'America/New_York', 'Asia/Kolkata'),
    '2025-01-01 10:00:00',
    'across a year',
  );
  t.equal(toSiteTime('2024-05-01 08:00:00', 'UTC', 'UTC'), '2024-05-01 08:00:00');
  t.throws(() => toSiteTime('2024-05-01T8:00:00', 'UTC', 'UTC'), {
    code: 'X05_RECORD',
    wall: '2024-05-01T8:00:00',
  });
});

t.test('log_type from the punch code', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 6, 15, 255].map(logTypeFor), [
    'IN',
    'OUT',
    'OUT',
    'IN',
    'IN',
    'OUT',
    null,
    null,
    null,
  ]);
  t.same([0, 1, 255].map(eventTypeFor), ['IN', 'OUT', 'UNKNOWN']);
});
