// Counts the assertions in TAP streams, subtests included, and prints "N passed, N failed".
// argv: pairs of (log file, exit status of the command that wrote it). A subtest or file that failed
// without a failed assertion inside (a crash, a timeout) counts as one failure, and so does a non-zero exit
// status with nothing failed (typecheck, lint): the closing line never hides a red run.
import { readFileSync } from 'node:fs';
import { Parser } from 'tap-parser';

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

/** Counts one run's log; a red exit status with no failure counted is one failure. */
function count(file, status) {
  return new Promise((resolve) => {
    const before = failed;
    const root = new Parser();
    attach(root);
    root.on('complete', () => {
      if (status !== 0 && failed === before) failed++;
      resolve();
    });
    root.end(readFileSync(file, 'utf8'));
  });
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) await count(args[i], Number(args[i + 1] ?? 0));
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
