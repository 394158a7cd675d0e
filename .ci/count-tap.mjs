// Counts the assertions in a TAP stream, subtests included, and prints "N passed, N failed".
// argv: the log file, the test command's exit status. A subtest or file that failed without a failed
// assertion inside (a crash, a timeout) counts as one failure, and so does a non-zero exit status with
// nothing failed (typecheck, lint): the closing line never hides a red run.
import { readFileSync } from 'node:fs';
import { Parser } from 'tap-parser';

const text = readFileSync(process.argv[2], 'utf8');
const status = Number(process.argv[3] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;

function attach(parser) {
  let failedInside = 0;
  parser.on('child', (child) => {
    const before = failed;
    attach(child);
    child.on('complete', () => {
      failedInside = failed - before;
    });
  });
  parser.on('assert', (a) => {
    if (a.closingTestPoint) {
      if (!a.ok && failedInside === 0) failed++;
      failedInside = 0;
      return;
    }
    if (a.skip || a.todo) skipped++;
    else if (a.ok) passed++;
    else failed++;
  });
}

const root = new Parser();
attach(root);
root.on('complete', () => {
  if (status !== 0 && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});
root.end(text);
