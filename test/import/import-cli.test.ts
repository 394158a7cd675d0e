import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { PunchStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const fixture = (name: string) => repoPath('test/fixtures/usb', name);

t.test('import prints the summary and writes into the store', async (t) => {
  const dataDir = join(tempDir(t), 'store');
  const args = ['import', fixture('1_attlog.dat'), '--device', 'X05-0001', '--timezone', 'Asia/Kolkata'];
  const r = await runCli([...args, '--data-dir', dataDir, '--site', 'hq']);
  t.equal(r.code, 0, r.output);
  t.match(r.output, /read 5 {2}new 5 {2}duplicate 0 {2}rejected 0/);
  t.match(r.output, /1 new with an impossible time: stored, parked in Frappe as Error, never a Checkin/);
  const again = await runCli([...args, '--data-dir', dataDir, '--json']);
  t.equal(again.code, 0);
  const json = JSON.parse(again.output.split('\n').find((l) => l.startsWith('{"file"'))!);
  t.match(json, { read: 5, new: 0, duplicate: 5, implausible: 0, rejectedCount: 0, rejected: [] });
  const store = await PunchStore.open(dataDir);
  t.teardown(() => store.close());
  t.equal(store.outboxDepth, 5, 'queued for the gateway publisher');
});

t.test('a store held by a running gateway: exit 1 and a pointer to the watched folder', async (t) => {
  const dataDir = join(tempDir(t), 'store');
  const held = await PunchStore.open(dataDir);
  t.teardown(() => held.close());
  const r = await runCli(['import', fixture('1_attlog.dat'), '--device', 'X05-0001', '--data-dir', dataDir]);
  t.equal(r.code, 1);
  t.match(r.output, /^error: .*watched folder.* \[X05_STORE\]$/m);
});

t.test('bad usage exits 2', async (t) => {
  const dataDir = join(tempDir(t), 'store');
  const missing = await runCli([
    'import',
    '/nonexistent/1_attlog.dat',
    '--device',
    'S',
    '--data-dir',
    dataDir,
  ]);
  t.equal(missing.code, 2);
  const csv = await runCli(['import', fixture('report_dmy.csv'), '--device', 'S', '--data-dir', dataDir]);
  t.equal(csv.code, 2);
  t.match(csv.output, /date-order/);
  const ok = await runCli([
    'import',
    fixture('report_dmy.csv'),
    '--device',
    'S',
    '--data-dir',
    dataDir,
    '--date-order',
    'DMY',
    '--timezone',
    'UTC',
  ]);
  t.equal(ok.code, 0, ok.output);
  t.match(ok.output, /read 6 {2}new 4 {2}duplicate 0 {2}rejected 1/);
  const noDevice = await runCli(['import', fixture('1_attlog.dat')]);
  t.equal(noDevice.code, 2);
});

t.test('a file with no punch line at all exits 1, after the summary saying why', async (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'notes_attlog.dat');
  writeFileSync(garbage, 'shopping list\nmilk\neggs\n');
  const r = await runCli([
    'import',
    garbage,
    '--device',
    'S',
    '--timezone',
    'UTC',
    '--data-dir',
    join(dir, 'store'),
  ]);
  t.equal(r.code, 1, r.output);
  t.match(r.stdout, /read 3 {2}new 0 {2}duplicate 0 {2}rejected 3/);
  t.match(r.stdout, /line 1: /, 'the rejected lines listed');
  t.match(
    r.output,
    /^error: no line of .*notes_attlog\.dat is a punch \(3 read, 3 rejected\) \[X05_RECORD\]$/m,
  );
  t.match(r.output, /^hint: /m);
});
