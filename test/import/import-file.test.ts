import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { DEFAULT_CSV_MAPPING } from '../../protocol/attlog/index.js';
import { importFile } from '../../src/import/index.js';
import { PunchStore } from '../../src/store/index.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const fixture = (name: string) => repoPath('test/fixtures/usb', name);
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

async function openStore(t: Test) {
  const store = await PunchStore.open(join(tempDir(t), 'store'));
  t.teardown(() => store.close());
  const events = async () => {
    const out = [];
    for await (const e of store.rawLog()) out.push(e);
    return out;
  };
  return { store, events };
}

const base = { device: 'X05-0001', site: 'hq', timezone: 'Asia/Kolkata' };

t.test(
  'usb-export.md §5 sample: spaces stripped, machine column skipped, an impossible time kept',
  async (t) => {
    const { store, events } = await openStore(t);
    const s = await importFile({ ...base, file: fixture('1_attlog.dat'), sink: store });
    t.match(s, {
      file: '1_attlog.dat',
      format: 'attlog',
      read: 5,
      new: 5,
      duplicate: 0,
      implausible: 1,
      rejectedCount: 0,
    });
    const got = await events();
    t.same(
      got.map((e) => [e.user_id, e.device_time, e.punch, e.verify]),
      [
        ['1043', '2024-05-06T08:01:15', 0, 1],
        ['10077', '2024-05-06T08:02:40', 0, 15],
        ['1043', '2024-05-06T17:31:02', 1, 1],
        ['2210', '2024-05-06T17:45:10', 255, 1],
        // 30 February: stored as the terminal wrote it, parked in Frappe (never some other day)
        ['ZZZZZZZZZZ', '2047-02-30T19:13:30', 90, 90],
      ],
    );
    t.equal(got[0]?.id, sha1('X05-0001|1043|2024-05-06 08:01:15|0'), 'PunchEvent id rule, PIN trimmed');
    t.match(got[0], { source: 'file', site: 'hq', timezone: 'Asia/Kolkata', device_id: 'X05-0001' });
    t.equal(got[0]?.raw, Buffer.from('     1043\t2024-05-06 08:01:15\t1\t0\t1\t0').toString('hex'));

    const again = await importFile({ ...base, file: fixture('1_attlog.dat'), sink: store });
    t.match(
      again,
      { read: 5, new: 0, duplicate: 5, implausible: 0, rejectedCount: 0 },
      're-import stores nothing twice',
    );
  },
);

t.test(
  'LF file, unsorted, zeros kept, non-record lines by line number, implausible dates kept',
  async (t) => {
    const { store, events } = await openStore(t);
    const s = await importFile({ ...base, file: fixture('CGKK223862906_attlog.dat'), sink: store });
    t.match(s, { read: 8, new: 6, rejectedCount: 2, implausible: 1 });
    t.same(
      s.rejected.map((r) => r.line),
      [4, 6],
      'negative fields, a header line',
    );
    t.same(
      (await events()).map((e) => [e.user_id, e.device_time, e.punch, e.verify]),
      [
        ['00123', '2020-11-23T09:00:01', 0, 1],
        ['123', '2020-11-17T18:02:00', 1, 1],
        ['123', '2020-11-17T18:02:01', 1, 1],
        // the epoch of a reset clock: not before time.min's default 2000-01-01, so plausible
        ['7', '2000-01-01T00:00:20', 0, 1],
        // 2075: stored, counted implausible, parked in Frappe
        ['8', '2075-03-01T08:00:00', 0, 1],
        ['4411', '2021-06-30T23:59:59', 200, 48],
      ],
    );
  },
);

t.test('CSV export with a DMY order gives the same ids as the attlog file', async (t) => {
  const { store } = await openStore(t);
  await importFile({ ...base, file: fixture('1_attlog.dat'), sink: store });
  const s = await importFile({
    ...base,
    file: fixture('report_dmy.csv'),
    sink: store,
    csv: { ...DEFAULT_CSV_MAPPING, dateOrder: 'DMY' },
  });
  t.match(s, { format: 'csv', read: 6, new: 1, duplicate: 3, implausible: 1, rejectedCount: 1 });
  t.same(
    s.rejected.map((r) => r.line),
    [5],
  );
  t.match(s.rejected[0]?.reason, /date-time/);
});

t.test('a 45,000-line export: every good line once, each junk line by number', async (t) => {
  const { store } = await openStore(t);
  const dir = tempDir(t);
  const file = join(dir, '1_attlog.dat');
  // two full batches of the default 20,000 lines and a part-full one, junk in the first, second and last
  const N = 45_000;
  const junkAt = new Set([2, 777, 25_000, 44_999]);
  const lines: string[] = [];
  const start = Date.UTC(2023, 0, 1);
  for (let i = 1; i <= N; i++) {
    if (junkAt.has(i)) {
      // corrupt flash: status 900 is no status at all
      lines.push('ZZZZZZZZZZ\t2047-02-30 19:13:30\t1\t900\t90\t1515870810');
      continue;
    }
    // unsorted: times walk backwards and forwards; ids from an index, distinct per line
    const t = new Date(start + ((i * 7919) % N) * 60_000 + (i % 7) * 1000).toISOString();
    const pin = String(1000 + (i % 300));
    lines.push(`${pin.padStart(9, ' ')}\t${t.slice(0, 10)} ${t.slice(11, 19)}\t1\t${i % 2}\t1\t0`);
  }
  writeFileSync(file, `${lines.join('\r\n')}\r\n`, 'latin1');
  let lastProgress = 0;
  const s = await importFile({
    ...base,
    file,
    sink: store,
    onProgress: (done, total) => {
      t.ok(done <= total);
      lastProgress = done / total;
    },
  });
  t.match(s, { read: N, new: N - junkAt.size, duplicate: 0, rejectedCount: junkAt.size });
  t.same(
    s.rejected.map((r) => r.line),
    [...junkAt],
  );
  t.equal(lastProgress, 1);
  t.equal(store.outboxDepth, N - junkAt.size, 'all queued for MQTT');
  const again = await importFile({ ...base, file, sink: store });
  t.match(again, { new: 0, duplicate: N - junkAt.size });
});
