import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERROR_CODES, type ErrorCode } from '../../protocol/errors.js';
import { repoPath, repoRoot } from '../helpers/repo.js';
import { errorClasses, scanErrors } from './error-scan.js';

const scan = scanErrors(repoRoot);
const classes = errorClasses(scan);
const errorsSection = (() => {
  const doc = readFileSync(repoPath('docs/operations.md'), 'utf8');
  const at = doc.indexOf('\n## Errors');
  const end = doc.indexOf('\n## ', at + 1);
  return doc.slice(at, end < 0 ? undefined : end);
})();
/** code → class names, from the table rows `| \`CODE\` | \`A\`, \`B\` (…) | … |`. */
const table = new Map<string, Set<string>>();
for (const row of errorsSection.split('\n').filter((l) => l.startsWith('| `'))) {
  const [, code, names] = row.split('|').map((c) => c.trim());
  const set = table.get(code!.replaceAll('`', '')) ?? new Set<string>();
  for (const m of names!.matchAll(/`(\w+)`/g)) set.add(m[1]!);
  table.set(code!.replaceAll('`', ''), set);
}

t.test('the scan sees the product’s errors (it cannot pass by reading nothing)', async (t) => {
  t.ok(classes.length >= 30, `${classes.length} error classes`);
  for (const name of ['FrameError', 'StoreError', 'FrappeError', 'IncompleteChunkError'])
    t.ok(
      classes.some((c) => c.name === name),
      name,
    );
});

t.test('no error is made outside the catalogue: no new Error, RangeError, TypeError …', async (t) => {
  t.same(
    scan.builtins.map((b) => `${b.file}:${b.line} new ${b.name}`),
    [],
    'make a GatewayError subclass carrying the context instead',
  );
});

t.test('every error class is a GatewayError', async (t) => {
  const outside = classes.filter((c) => c.name !== 'GatewayError' && !c.chain.includes('GatewayError'));
  t.same(
    outside.map((c) => `${c.file}:${c.line} ${c.chain.join(' < ')}`),
    [],
  );
});

t.test('every error class is in the errors table of docs/operations.md, under its code', async (t) => {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const codeOf = (name: string): string | undefined => {
    for (let c = byName.get(name); c; c = byName.get(c.base)) if (c.code) return c.code;
    return undefined;
  };
  for (const c of classes) {
    if (c.abstract || c.name === 'GatewayError') continue;
    const code = codeOf(c.name);
    t.ok(code, `${c.name} passes a literal code to super (${c.file}:${c.line})`);
    t.ok(table.get(code!)?.has(c.name), `${c.name} is listed under ${code}`);
  }
});

t.test(
  'every code in the catalogue is used by a class and explained in the table; no other code exists',
  async (t) => {
    const used = new Set(classes.map((c) => c.code).filter(Boolean));
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      t.ok(used.has(code), `${code} is raised by some class`);
      t.ok(table.has(code), `${code} has a row in the table`);
    }
    t.same(
      [...table.keys()].filter((k) => !(k in ERROR_CODES)),
      [],
      'no table row for a code the catalogue does not have',
    );
  },
);
