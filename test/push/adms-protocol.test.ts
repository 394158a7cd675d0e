import t from 'tap';
import {
  type AdmsAttlogLine,
  encodeAdmsAttlogLine,
  encodeCommandLine,
  encodeDeviceCommandResult,
  encodeOptionsBlock,
  encodeTimeZoneOption,
  isPlaceholderStamp,
  LineError,
  packWallTime,
  parseAdmsAttlogLine,
  parseCommandLine,
  parseDeviceCommandResults,
  parseOperlogLine,
  parseOptionsBlock,
  parseTimeZoneOption,
  splitLines,
  unpackWallTime,
} from '../../protocol/adms/index.js';

// adms-push §5.1 and §10 B; ⇥ written as \t
const lines: { name: string; text: string; rec: AdmsAttlogLine }[] = [
  {
    name: '7 fields (§10 B)',
    text: '1043\t2024-05-06 08:01:15\t0\t1\t0\t0\t0',
    rec: {
      userId: '1043',
      deviceTime: '2024-05-06T08:01:15',
      punch: 0,
      verify: 1,
      workcode: 0,
      extra: ['0', '0'],
    },
  },
  {
    name: '8 fields, empty workcode, status 255 (real body)',
    text: '20156107\t2020-02-22 23:10:05\t255\t1\t\t0\t0\t2',
    rec: {
      userId: '20156107',
      deviceTime: '2020-02-22T23:10:05',
      punch: 255,
      verify: 1,
      workcode: null,
      extra: ['0', '0', '2'],
    },
  },
  {
    name: '10 fields, palm (real body)',
    text: '11\t2025-08-27 10:57:49\t0\t25\t0\t0\t0\t0\t0\t0',
    rec: {
      userId: '11',
      deviceTime: '2025-08-27T10:57:49',
      punch: 0,
      verify: 25,
      workcode: 0,
      extra: ['0', '0', '0', '0', '0'],
    },
  },
  {
    name: 'leading zeros and letters kept',
    text: '00A7\t2024-02-29 23:59:59\t5\t15\t3\t0\t0',
    rec: {
      userId: '00A7',
      deviceTime: '2024-02-29T23:59:59',
      punch: 5,
      verify: 15,
      workcode: 3,
      extra: ['0', '0'],
    },
  },
];

for (const c of lines) {
  t.test(`ATTLOG line: ${c.name}`, async (t) => {
    t.same(parseAdmsAttlogLine(c.text), c.rec, 'parse');
    t.equal(encodeAdmsAttlogLine(c.rec), c.text, 'encode');
    t.same(parseAdmsAttlogLine(encodeAdmsAttlogLine(c.rec)), c.rec, 'mirror');
  });
}

t.test('a well-formed time that cannot exist is a record, judged implausible later', async (t) => {
  t.match(parseAdmsAttlogLine('7\t2024-13-01 25:00:00\t0\t1', 3), {
    userId: '7',
    deviceTime: '2024-13-01T25:00:00',
  });
});

t.test('ATTLOG junk lines are LineErrors with the line number', async (t) => {
  const bad: [string, RegExp][] = [
    ['ZZZZZZZZZZ\t2047-02-30 19:13:30\t1\t900\t90\t1515870810', /verify "900"/],
    ['\x01\x02\t2024-05-06 08:01:15\t0\t1', /unprintable/],
    ['1043\t2024-05-06 08:01\t0\t1', /not YYYY-MM-DD/],
    ['1043\t2024-05-06 08:01:15\t256\t1', /status/],
    ['1043\t2024-05-06 08:01:15\t0', /at least 4/],
  ];
  for (const [text, reason] of bad) {
    t.throws(() => parseAdmsAttlogLine(text, 17), { code: 'X05_RECORD', line: 17, reason }, text);
  }
  t.ok(new LineError(1, 'x'.repeat(500), 'r').text.length <= 120, 'text shortened');
});

t.test('body lines: LF or CRLF, blank lines skipped but counted', async (t) => {
  t.same(splitLines('a\r\nb\n\nc'), [
    { line: 1, text: 'a' },
    { line: 2, text: 'b' },
    { line: 4, text: 'c' },
  ]);
});

t.test('option block: §10 A shape, parsed back, redirect never read', async (t) => {
  const text = encodeOptionsBlock('CKJX201260017', {
    attlogStamp: 'None',
    operlogStamp: '9999',
    attphotoStamp: 'None',
    errorDelayS: 30,
    delayS: 10,
    transTimes: '00:00;14:05',
    transIntervalMin: 1,
    transFlag: 'TransData AttLog OpLog EnrollUser ChgUser',
    timeZone: 330,
    realtime: true,
    serverVer: '2.4.1',
  });
  // the spec's example reply: 14 lines, 284 bytes
  const spec = [
    'GET OPTION FROM: CKJX201260017',
    'ATTLOGStamp=None',
    'OPERLOGStamp=9999',
    'ATTPHOTOStamp=None',
    'ErrorDelay=30',
    'Delay=10',
    'TransTimes=00:00;14:05',
    'TransInterval=1',
    'TransFlag=TransData AttLog OpLog EnrollUser ChgUser',
    'TimeZone=330',
    'Realtime=1',
    'Encrypt=None',
    'ServerVer=2.4.1',
    'PushProtVer=2.4.1',
  ];
  t.equal(text, `${spec.join('\r\n')}\r\n`);
  t.equal(Buffer.byteLength(text), 284, 'the 284 bytes of the spec');
  const p = parseOptionsBlock(text);
  t.equal(p.serial, 'CKJX201260017');
  t.equal(p.options.get('TimeZone'), '330');
  t.notOk(p.refused);
  t.ok(parseOptionsBlock('UNKNOWN DEVICE').refused);
  t.notOk(parseOptionsBlock('ICLOCKSVRURL=http://evil\n').options.has('ICLOCKSVRURL'));
});

t.test('TimeZone: hours below 25, minutes otherwise (§4.2, §7)', async (t) => {
  const cases: [number, 'auto' | 'minutes', number][] = [
    [480, 'auto', 8],
    [330, 'auto', 330],
    [-300, 'auto', -5],
    [-300, 'minutes', -300],
    [345, 'auto', 345],
    [0, 'minutes', 0],
  ];
  for (const [offset, unit, want] of cases) {
    t.equal(encodeTimeZoneOption(offset, unit), want, `${offset} ${unit}`);
    t.equal(parseTimeZoneOption(String(want)), offset, `read back ${want}`);
  }
  t.equal(parseTimeZoneOption('5.5'), 300, 'a decimal reads as its integer: 30 min lost (§7)');
  t.throws(() => encodeTimeZoneOption(20 * 60));
});

t.test('stamps: packed time and placeholders (§4.3)', async (t) => {
  t.equal(packWallTime('2024-05-06 08:01:15'), 782553675);
  t.equal(unpackWallTime(9999), '2000-01-01 02:46:39');
  for (const s of ['0', 'None', '9999', '99999', '', null]) t.ok(isPlaceholderStamp(s), String(s));
  t.notOk(isPlaceholderStamp('782553675'));
});

t.test('commands: §10 C line, parsed back; results batched', async (t) => {
  const cmd = {
    kind: 'DATA QUERY ATTLOG',
    start: '2024-05-06 00:00:00',
    end: '2024-05-06 23:59:59',
  } as const;
  const line = encodeCommandLine(57, cmd);
  t.equal(line, 'C:57:DATA QUERY ATTLOG StartTime=2024-05-06 00:00:00\tEndTime=2024-05-06 23:59:59');
  t.equal(Buffer.byteLength(`${line}\n`), 81, '§10 C Content-Length');
  t.same(parseCommandLine(line)?.command, cmd);
  t.same(parseCommandLine('C:3:SET OPTION DateTime=782553675')?.command, {
    kind: 'SET TIME',
    wallTime: '2024-05-06 08:01:15',
  });
  t.equal(
    encodeCommandLine(4, { kind: 'SET TIME', wallTime: '2024-05-06T08:01:15' }),
    'C:4:SET OPTION DateTime=782553675',
  );
  t.same(
    parseCommandLine('C:9:Shell rm -rf /'),
    { id: 9, text: 'Shell rm -rf /' },
    'unknown to us: no command',
  );
  t.equal(parseCommandLine('OK'), undefined);
  const body = `${encodeDeviceCommandResult({ id: 57, returnCode: 0, cmd: 'DATA', content: [] })}\nID=58&Return=0&CMD=INFO\n~SerialNumber=X\nUserCount=3\n`;
  t.same(parseDeviceCommandResults(body), [
    { id: 57, returnCode: 0, cmd: 'DATA', content: [] },
    { id: 58, returnCode: 0, cmd: 'INFO', content: ['~SerialNumber=X', 'UserCount=3'] },
  ]);
});

t.test('OPERLOG: USER rows give id and name; the rest is recognised only', async (t) => {
  t.same(parseOperlogLine('USER PIN=1043\tName=Asha K.\tPri=14\tPasswd=\tCard=\tGrp=1\tTZ='), {
    kind: 'USER',
    user: { userId: '1043', name: 'Asha K.', privilege: 14 },
  });
  t.same(parseOperlogLine('FP PIN=1043\tFID=6\tSize=1184\tValid=1\tTMP=AAAA'), { kind: 'OTHER', type: 'FP' });
  t.same(parseOperlogLine('OPLOG 4\t0\t2024-05-06 08:00:00\t0'), { kind: 'OTHER', type: 'OPLOG' });
  t.equal(parseOperlogLine(''), undefined);
});
