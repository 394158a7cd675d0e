import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { FolderWatcher } from '../../src/import/index.js';
import { PunchStore } from '../../src/store/index.js';
import { repoPath } from '../helpers/repo.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';

const fixture = (name: string) => repoPath('test/fixtures/usb', name);

t.test('a file dropped in the folder is imported once and moved with its summary', async (t) => {
  const root = tempDir(t);
  const store = await PunchStore.open(join(root, 'store'));
  t.teardown(() => store.close());
  const dir = join(root, 'in');
  const watcher = new FolderWatcher({
    dir,
    processedDir: join(dir, 'processed'),
    failedDir: join(dir, 'failed'),
    site: 'hq',
    sink: store,
    logger: pino({ level: 'silent' }),
    resolveDevice: (name) =>
      name.startsWith('1_') ? { serial: 'X05-0001', timezone: 'Asia/Kolkata' } : undefined,
    scanIntervalMs: 100,
  });
  await watcher.start();
  t.teardown(() => watcher.stop());
  copyFileSync(fixture('1_attlog.dat'), join(dir, '1_attlog.dat'));
  copyFileSync(fixture('1_attlog.dat'), join(dir, '9_attlog.dat'));
  await until(
    'both files moved',
    () => readdirSync(dir).filter((n) => n.endsWith('.dat')).length === 0,
    30_000,
  );
  const processed = readdirSync(join(dir, 'processed'));
  const summaryFile = processed.find((n) => n.endsWith('1_attlog.dat.summary.json'));
  t.ok(summaryFile, processed.join(', '));
  const summary = JSON.parse(readFileSync(join(dir, 'processed', summaryFile!), 'utf8'));
  t.match(summary, {
    device: 'X05-0001',
    read: 5,
    new: 5,
    duplicate: 0,
    implausible: 1,
    rejectedCount: 0,
    rejected: [],
  });
  const failed = readdirSync(join(dir, 'failed'));
  t.ok(
    failed.some((n) => n.endsWith('9_attlog.dat')),
    'unknown machine number → failed/',
  );
  const why = failed.find((n) => n.endsWith('.error.txt'));
  t.match(readFileSync(join(dir, 'failed', why!), 'utf8'), /no device for 9_attlog.dat/);
  t.equal(store.outboxDepth, 5);
  t.notOk(existsSync(join(dir, '1_attlog.dat')));
});
