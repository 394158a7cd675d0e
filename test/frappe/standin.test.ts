import t from 'tap';
import {
  ADD_LOG_PATH,
  addLogArgs,
  contractSite,
  frappeFetch,
  JSON_CT,
  serverMessages,
} from '../helpers/frappe-http.js';

const site = (opts = {}) => contractSite(t, opts);

t.test('auth: token and Basic pairs, 401 for a wrong pair, Guest for a malformed header (§1)', async (t) => {
  const s = await site();
  const who = '/api/method/frappe.auth.get_logged_user';
  t.match(await frappeFetch(s.url, who), { status: 200, json: { message: 'bio@example.com' } });
  const basic = `Basic ${Buffer.from('key:secret').toString('base64')}`;
  t.match(await frappeFetch(s.url, who, { auth: basic }), { status: 200 });
  const wrong = await frappeFetch(s.url, who, { auth: 'token key:nope' });
  t.equal(wrong.status, 401);
  t.same(Object.keys(wrong.json), ['exception', 'exc_type', 'exc']);
  t.match(wrong.json, {
    exc_type: 'AuthenticationError',
    exception: 'frappe.exceptions.AuthenticationError',
  });
  t.type(wrong.json.exc, 'string');
  t.equal((await frappeFetch(s.url, who, { auth: 'token key:secret:x' })).status, 401, 'split fails → 401');
  t.equal((await frappeFetch(s.url, who, { auth: 'Basic abc' })).status, 400, 'bad base64 padding');
  for (const auth of ['token', 'token  key:secret', null]) {
    const r = await frappeFetch(s.url, who, { auth });
    t.equal(r.status, 403, `${JSON.stringify(auth)} → Guest → 403`);
    t.equal(r.json.exc_type, 'PermissionError');
  }
  t.match(await frappeFetch(s.url, '/api/method/ping', { auth: null }), {
    status: 200,
    json: { message: 'pong' },
  });
});

t.test('parameters: JSON only with the JSON content type; query ignored then (§2)', async (t) => {
  const s = await site();
  const noType = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs(),
    headers: { 'Content-Type': 'text/plain' },
  });
  t.equal(noType.status, 500);
  t.match(noType.json, {
    exc_type: 'TypeError',
    exception: /missing 2 required positional arguments: 'employee_field_value' and 'timestamp'/,
  });
  t.notOk('_server_messages' in noType.json);
  const q = new URLSearchParams(addLogArgs()).toString();
  const queryOnly = await frappeFetch(s.url, `${ADD_LOG_PATH}?${q}`, { body: {}, headers: JSON_CT });
  t.equal(queryOnly.status, 500, 'a JSON body is the only source; the query string is ignored');
  const empty = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs({ timestamp: '' }),
    headers: JSON_CT,
  });
  t.equal(empty.status, 417);
  t.equal(serverMessages(empty.json)[0]?.message, "'employee_field_value' and 'timestamp' are required.");
  const form = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: new URLSearchParams(addLogArgs()).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  t.equal(form.status, 200, 'form fields work, as strings');
  t.equal(s.checkins.length, 1);
});

t.test('add_log: creates a Checkin, echoes time as sent, double-encoded messages (§3, §4)', async (t) => {
  const s = await site();
  const ok = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs({ timestamp: '2024-05-01 08:00:00.000000' }),
    headers: JSON_CT,
  });
  t.equal(ok.status, 200);
  t.match(ok.json.message, {
    name: /^EMP-CKIN-\d{2}-\d{4}-\d{6}$/,
    employee: 'HR-EMP-00001',
    employee_name: 'Jane Doe',
    log_type: 'IN',
    time: '2024-05-01 08:00:00.000000',
    device_id: 'X05-1',
    docstatus: 0,
    doctype: 'Employee Checkin',
  });
  t.equal(s.checkins[0]?.time, '2024-05-01 08:00:00', 'stored as datetime(6) gives it back');

  const dup = await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs(), headers: JSON_CT });
  t.equal(dup.status, 417);
  t.equal(dup.json.exc_type, 'ValidationError');
  t.match(dup.json._server_messages, /^\["\{\\"message\\": \\"This employee/, 'Python separators inside');
  const [msg] = serverMessages(dup.json);
  t.match(msg, { title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: /^[0-9a-f]{10}$/ });
  t.ok(
    msg?.message.startsWith(
      'This employee already has a log with the same timestamp.<Br><a href="/app/Form/Employee Checkin/',
    ),
  );
  t.match(msg?.message, `${ok.json.message.name}" style="font-weight: bold;">Employee Checkin Jane Doe</a>`);

  t.equal(
    (await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs({ log_type: 'OUT' }), headers: JSON_CT }))
      .status,
    200,
    'OUT at the same instant is allowed',
  );
  t.equal(
    (await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs({ log_type: null }), headers: JSON_CT }))
      .status,
    200,
  );
  t.equal(
    (await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs({ log_type: null }), headers: JSON_CT }))
      .status,
    417,
    'null matches null',
  );

  const unknown = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs({ employee_field_value: '9999' }),
    headers: JSON_CT,
  });
  t.equal(unknown.status, 417);
  t.equal(
    serverMessages(unknown.json)[0]?.message,
    "No Employee found for the given employee field value. 'attendance_device_id': 9999",
  );
  const inactive = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs({ employee_field_value: '13' }),
    headers: JSON_CT,
  });
  t.match(inactive, { status: 417, json: { exc_type: 'InactiveEmployeeStatusError' } });
  t.equal(
    (
      await frappeFetch(s.url, ADD_LOG_PATH, {
        body: addLogArgs({ employee_field_value: '14' }),
        headers: JSON_CT,
      })
    ).status,
    200,
    'Left passes',
  );
  const lower = await frappeFetch(s.url, ADD_LOG_PATH, {
    body: addLogArgs({ log_type: 'in', timestamp: '2024-05-02 08:00:00' }),
    headers: JSON_CT,
  });
  t.equal(
    serverMessages(lower.json)[0]?.message,
    ' Log Type cannot be "in". It should be one of "", "IN", "OUT"',
  );
  t.equal(s.checkins.length, 4);

  const old = await frappeFetch(s.url, ADD_LOG_PATH.replace('/hrms.hr.', '/erpnext.hr.'), {
    body: addLogArgs(),
    headers: JSON_CT,
  });
  t.equal(old.status, 417);
  t.match(
    serverMessages(old.json)[0]?.message,
    /^Failed to get method for command erpnext\.hr\..* with No module named 'erpnext.hr'$/,
  );
});

t.test('GET never persists; any error rolls back (§2 commit semantics)', async (t) => {
  const s = await site();
  const q = new URLSearchParams(addLogArgs()).toString();
  const got = await frappeFetch(s.url, `${ADD_LOG_PATH}?${q}`);
  t.equal(got.status, 200);
  t.match(got.json.message, { name: /^EMP-CKIN-/ });
  t.equal(s.checkins.length, 0, 'answered with a name, never saved');
  const first = await frappeFetch(s.url, ADD_LOG_PATH, { body: addLogArgs(), headers: JSON_CT });
  t.equal(first.json.message.name, got.json.message.name, 'the naming series was rolled back too');
});
