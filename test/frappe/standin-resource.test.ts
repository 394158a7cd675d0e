import t from 'tap';
import {
  ADD_LOG_PATH,
  addLogArgs,
  contractSite,
  frappeFetch,
  JSON_CT,
  RAW_LOG_PATH,
  serverMessages,
} from '../helpers/frappe-http.js';

const site = (opts = {}) => contractSite(t, opts);

t.test('Attendance Raw Log: 200 on create, 409 on the same hash, raw JSON body (§2, §5)', async (t) => {
  const s = await site();
  const doc = {
    hash: 'a b/c',
    device: 'X05-1',
    device_user_id: '4711',
    event_time: '2024-05-01 08:00:00',
    status: 'Pending',
  };
  const created = await frappeFetch(s.url, RAW_LOG_PATH, {
    body: doc,
    headers: { 'Content-Type': 'text/plain' },
  });
  t.equal(created.status, 200, 'never 201; body read as JSON without the content type');
  t.match(created.json.data, {
    name: 'a b/c',
    doctype: 'Attendance Raw Log',
    owner: 'bio@example.com',
    docstatus: 0,
  });
  t.notOk('error' in created.json.data, 'null fields are left out');
  const again = await frappeFetch(s.url, RAW_LOG_PATH, { body: doc, headers: JSON_CT });
  t.equal(again.status, 409);
  t.equal(again.json.exc_type, 'DuplicateEntryError');
  t.same(serverMessages(again.json), [
    {
      message: 'Attendance Raw Log <strong>a b/c</strong> already exists',
      title: 'Duplicate Name',
      indicator: 'red',
    },
  ]);
  const one = await frappeFetch(s.url, `${RAW_LOG_PATH}/${encodeURIComponent('a b/c')}`);
  t.match(one, { status: 200, json: { data: { hash: 'a b/c' } } });
  const missing = await frappeFetch(s.url, `${RAW_LOG_PATH}/nope`);
  t.equal(missing.status, 404);
  t.same(Object.keys(missing.json), ['exc_type', '_server_messages'], 'no traceback keys on 404');
  t.equal(serverMessages(missing.json)[0]?.message, 'Attendance Raw Log nope not found');

  const put = await frappeFetch(s.url, `${RAW_LOG_PATH}/${encodeURIComponent('a b/c')}`, {
    method: 'PUT',
    body: { status: 'Synced' },
    headers: JSON_CT,
  });
  t.match(put, { status: 200, json: { data: { status: 'Synced' } } });
  const bad = await frappeFetch(s.url, `${RAW_LOG_PATH}/${encodeURIComponent('a b/c')}`, {
    method: 'PUT',
    body: { status: 'Done', error: 'x' },
    headers: JSON_CT,
  });
  t.equal(bad.status, 417);
  t.match(s.rawLogs[0], { status: 'Synced', error: null }, 'the failed PUT changed nothing');
  const iso = await frappeFetch(s.url, RAW_LOG_PATH, {
    body: { ...doc, hash: 'z', event_time: '2024-05-01T08:00:00.000Z' },
    headers: JSON_CT,
  });
  t.match(iso, { status: 500, json: { exc_type: 'DataError' } }, 'ISO strings are not Datetime values (§4)');
  t.equal(
    (await frappeFetch(s.url, `${RAW_LOG_PATH}/nope`, { method: 'PATCH', body: {} })).contentType,
    'text/html; charset=utf-8',
  );
});

t.test('GET list: fields, list and dict filters, order_by, limit_page_length (§2)', async (t) => {
  const s = await site();
  for (const [i, time] of ['2024-05-01 09:00:00', '2024-05-01 08:00:00', '2024-05-01 10:00:00'].entries()) {
    await frappeFetch(s.url, ADD_LOG_PATH, {
      body: addLogArgs({ timestamp: time, device_id: `X05-${i % 2}` }),
      headers: JSON_CT,
    });
  }
  const list = (q: Record<string, unknown>) =>
    frappeFetch(
      s.url,
      `/api/resource/Employee%20Checkin?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, JSON.stringify(v)]))}`,
    );
  t.same((await frappeFetch(s.url, '/api/resource/Employee%20Checkin')).json.data.length, 3);
  const byTime = await list({
    fields: ['time', 'device_id'],
    filters: [['time', '>=', '2024-05-01 09:00:00']],
  });
  t.same(byTime.json.data.map((r: { time: string }) => r.time).sort(), [
    '2024-05-01 09:00:00',
    '2024-05-01 10:00:00',
  ]);
  const dict = await list({ fields: ['name'], filters: { device_id: 'X05-0' } });
  t.equal(dict.json.data.length, 2);
  const ordered = await frappeFetch(
    s.url,
    `/api/resource/Employee%20Checkin?fields=${encodeURIComponent('["time"]')}&order_by=time%20asc&limit_page_length=2`,
  );
  t.same(ordered.json.data, [{ time: '2024-05-01 08:00:00' }, { time: '2024-05-01 09:00:00' }]);
});

t.test('insert_many: ≤ 200, all-or-nothing, POST/PUT only (§2)', async (t) => {
  const s = await site();
  const IM = '/api/method/frappe.client.insert_many';
  const raw = (hash: string) => ({
    doctype: 'Attendance Raw Log',
    hash,
    device: 'X05-1',
    device_user_id: '1',
    event_time: '2024-05-01 08:00:00',
  });
  t.same((await frappeFetch(s.url, IM, { body: { docs: [raw('a'), raw('b')] }, headers: JSON_CT })).json, {
    message: ['a', 'b'],
  });
  const clash = await frappeFetch(s.url, IM, {
    body: { docs: JSON.stringify([raw('c'), raw('a')]) },
    headers: JSON_CT,
  });
  t.equal(clash.status, 409);
  t.same(
    s.rawLogs.map((d) => d.name),
    ['a', 'b'],
    'c was rolled back with the failure',
  );
  const many = Array.from({ length: 201 }, (_, i) => raw(`m${i}`));
  const tooMany = await frappeFetch(s.url, IM, { body: { docs: many }, headers: JSON_CT });
  t.equal(serverMessages(tooMany.json)[0]?.message, 'Only 200 inserts allowed in one request');
  const get = await frappeFetch(s.url, `${IM}?docs=${encodeURIComponent(JSON.stringify([raw('g')]))}`);
  t.match(get, { status: 403, json: { exc_type: 'PermissionError' } });
  t.equal(s.rawLogs.length, 2);
});

t.test('routing, request log, permlevel-1 time, faults', async (t) => {
  const s = await site({ timeWritable: false });
  t.match(await frappeFetch(s.url, '/api/nothing'), { status: 404, json: { exc_type: 'DoesNotExistError' } });
  t.equal((await frappeFetch(s.url, '/api/v1/method/ping')).status, 200, '/api/v1 is /api');
  const r = await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs(), headers: JSON_CT });
  t.equal(r.status, 200);
  t.not(s.checkins[0]?.time, '2024-05-01 08:00:00', 'time silently became "now"');
  s.failNext(1, { status: 502 });
  const bad = await frappeFetch(s.url, '/api/method/ping');
  t.match(bad, { status: 502, contentType: /^text\/html/, text: /502 Bad Gateway/ });
  s.failNext(1, { status: 504, afterCommit: true });
  t.equal(
    (await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs({ log_type: 'OUT' }), headers: JSON_CT }))
      .status,
    504,
  );
  t.equal(s.checkins.length, 2, 'committed although the caller saw a 504');
  t.match(s.requests.at(-1), {
    method: 'POST',
    path: '/api/method/hrms.hr.doctype.employee_checkin.employee_checkin.add_log_based_on_employee_field',
    status: 504,
  });
});
