/**
 * USB import: a generated 200,000-line `1_attlog.dat` (CRLF, padded PINs, unsorted) streamed into a fresh
 * store, then the same file again (all duplicates, the common re-import). Baseline: reading and parsing
 * the file without storing, so the ratio shows what LevelDB costs.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseDatLine } from '../protocol/attlog/dat-line.js';
import { importFile } from '../src/import/import-file.js';
import { PunchStore } from '../src/store/punch-store.js';
import { type BenchResult, figure } from './result.js';

const LINES = Number(process.env.BENCH_IMPORT_LINES ?? 200_000);

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'x05-bench-import-'));
  try {
    const file = join(dir, '1_attlog.dat');
    const start = Date.UTC(2022, 0, 1);
    const lines: string[] = [];
    for (let i = 0; i < LINES; i++) {
      const t = new Date(start + ((i * 7919) % LINES) * 60_000).toISOString();
      lines.push(
        `${String(1000 + (i % 500)).padStart(9)}\t${t.slice(0, 10)} ${t.slice(11, 19)}\t1\t${i % 2}\t1\t0`,
      );
    }
    writeFileSync(file, `${lines.join('\r\n')}\r\n`, 'latin1');

    let t0 = performance.now();
    let parsed = 0;
    for await (const line of createInterface({
      input: createReadStream(file, { encoding: 'latin1' }),
      crlfDelay: Infinity,
    })) {
      parseDatLine(line);
      parsed++;
    }
    const parseOnly = parsed / ((performance.now() - t0) / 1000);

    const store = await PunchStore.open(join(dir, 'store'));
    const opts = { file, device: 'BENCH-USB', site: 'bench', timezone: 'UTC', sink: store };
    t0 = performance.now();
    const first = await importFile(opts);
    const fresh = LINES / ((performance.now() - t0) / 1000);
    if (first.new !== LINES) throw new Error(`imported ${first.new} of ${LINES}`);
    t0 = performance.now();
    await importFile(opts);
    const again = LINES / ((performance.now() - t0) / 1000);
    await store.close();
    return [
      figure(`import ${LINES} lines into an empty store`, fresh, 'lines/s', {
        name: 'read + parse only',
        value: parseOnly,
      }),
      figure('re-import (all duplicates)', again, 'lines/s', { name: 'read + parse only', value: parseOnly }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
