import t from 'tap';
import {
  csvColumns,
  csvDateTime,
  type DatRecord,
  DEFAULT_CSV_MAPPING,
  encodeDatLine,
  parseCsvRecord,
  parseDatLine,
  splitCsvRow,
} from '../../protocol/attlog/index.js';

// usb-export §5, ⇥ = \t, · = space
const cases: { name: string; text: string; width: number; rec: DatRecord }[] = [
  {
    name: 'PIN right-aligned to 9, fingerprint check-in',
    text: '     1043\t2024-05-06 08:01:15\t1\t0\t1\t0',
    width: 9,
    rec: { userId: '1043', deviceTime: '2024-05-06T08:01:15', machine: 1, punch: 0, verify: 1, workcode: 0 },
  },
  {
    name: 'five-digit PIN, face',
    text: '    10077\t2024-05-06 08:02:40\t1\t0\t15\t0',
    width: 9,
    rec: {
      userId: '10077',
      deviceTime: '2024-05-06T08:02:40',
      machine: 1,
      punch: 0,
      verify: 15,
      workcode: 0,
    },
  },
  {
    name: 'PIN width 5',
    text: ' 1043\t2024-05-06 17:31:02\t1\t1\t1\t0',
    width: 5,
    rec: { userId: '1043', deviceTime: '2024-05-06T17:31:02', machine: 1, punch: 1, verify: 1, workcode: 0 },
  },
  {
    name: 'no punch state (255), machine 2',
    text: '     2210\t2024-05-06 17:45:10\t2\t255\t1\t0',
    width: 9,
    rec: {
      userId: '2210',
      deviceTime: '2024-05-06T17:45:10',
      machine: 2,
      punch: 255,
      verify: 1,
      workcode: 0,
    },
  },
  {
    name: 'zeros are part of the PIN',
    text: '    00123\t2020-11-23 09:00:01\t1\t0\t1\t7',
    width: 9,
    rec: { userId: '00123', deviceTime: '2020-11-23T09:00:01', machine: 1, punch: 0, verify: 1, workcode: 7 },
  },
];

for (const c of cases) {
  t.test(`attlog.dat line: ${c.name}`, async (t) => {
    t.same(parseDatLine(c.text), c.rec, 'parse');
    t.equal(encodeDatLine(c.rec, c.width), c.text, 'encode');
    t.same(parseDatLine(encodeDatLine(c.rec, c.width)), c.rec, 'mirror');
  });
}

t.test('attlog.dat junk and non-record lines name their line', async (t) => {
  // a well-formed time that cannot exist is still a record: judged implausible later, not here
  t.match(parseDatLine('ZZZZZZZZZZ\t2047-02-30 19:13:30\t1\t90\t90\t1515870810', 12), {
    userId: 'ZZZZZZZZZZ',
    deviceTime: '2047-02-30T19:13:30',
  });
  t.throws(() => parseDatLine('ZZZZZZZZZZ\t2047-02-30 19:13:30\t1\t900\t90\t1515870810', 12), {
    code: 'X05_RECORD',
    line: 12,
    reason: /status "900"/,
  });
  t.throws(() => parseDatLine('        7\t1990-00--8 -16:-29:-40\t1\t0\t1\t0', 3), {
    name: 'NonRecordLineError',
    line: 3,
  });
  t.throws(() => parseDatLine('SN:CGKK223862906', 1), { name: 'NonRecordLineError' });
  t.throws(() => parseDatLine('     1043\t2024-05-06 08:01:15\t1\t300\t1\t0'), {
    code: 'X05_RECORD',
    reason: /status/,
  });
});

t.test('CSV rows: quoting, locale dates in the configured order, text codes', async (t) => {
  t.same(splitCsvRow('Office,"Doe, Jane",1043,"say ""hi""",'), [
    'Office',
    'Doe, Jane',
    '1043',
    'say "hi"',
    '',
  ]);
  t.equal(csvDateTime('06/05/2024 08:01:15', 'DMY', 1, ''), '2024-05-06 08:01:15');
  t.equal(csvDateTime('06/05/2024 08:01:15', 'MDY', 1, ''), '2024-06-05 08:01:15');
  t.equal(csvDateTime('2024-05-06 8:01', 'YMD', 1, ''), '2024-05-06 08:01:00');
  t.equal(csvDateTime('5/6/2024 12:15 AM', 'MDY', 1, ''), '2024-05-06 00:15:00');
  t.equal(csvDateTime('5/6/2024 1:15 PM', 'MDY', 1, ''), '2024-05-06 13:15:00');
  t.throws(() => csvDateTime('06/05/2024 5:15 A12P12', 'DMY', 9, 'row'), { code: 'X05_RECORD', line: 9 });
  const m = { ...DEFAULT_CSV_MAPPING, dateOrder: 'DMY' as const };
  const header = 'Department,Name,No.,Date/Time,Status,Location ID,ID Number,VerifyCode,CardNo';
  const cols = csvColumns(header, m);
  t.same(cols, { user: 2, time: 3, status: 4, verify: 7 });
  t.same(parseCsvRecord('Office,"Doe, Jane",1043,06/05/2024 08:01:15,C/In,1,,FP,', cols, m, 2), {
    userId: '1043',
    deviceTime: '2024-05-06T08:01:15',
    punch: 0,
    verify: 1,
  });
  t.throws(() => parseCsvRecord('Office,X,1043,06/05/2024 08:01:15,Lunch,1,,FP,', cols, m, 3), {
    code: 'X05_RECORD',
    line: 3,
    reason: /status "Lunch" has no mapping/,
  });
  t.throws(() => csvColumns('Name,When', m), { code: 'X05_RECORD', reason: /No\./ });
});
