/**
 * Every `§` the code cites must resolve to a heading in docs/ (docs/protocol.md and docs/frappe.md say how
 * the code cites them). `zk-tcp §12` names its part; a bare `§12` belongs to the part the file cites first,
 * normally in its header comment. Citations of outside standards (`RFC 793 §3.1`, `MQTT 5 §4.6`) are left
 * alone; a citation of any other `.md` file is an error, since such a file is not in the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { repoRoot as root } from '../helpers/repo.js';

const PARTS = ['zk-tcp', 'adms-push', 'usb-export', 'frappe'] as const;
type Part = (typeof PARTS)[number];

/** `zk-tcp 12` → true for every `### zk-tcp §12 …` (any heading level) in the docs. */
function headings(texts: string[]): Set<string> {
  const found = new Set<string>();
  for (const text of texts)
    for (const m of text.matchAll(/^#{2,6} (zk-tcp|adms-push|usb-export|frappe) §(\d+(?:\.\d+)*[a-z]?)\s/gm))
      found.add(`${m[1]} ${m[2]}`);
  return found;
}

const SECTION = /§\s?(\d+(?:\.\d+)*[a-z]?)/g;
const NAMED = new RegExp(`\\b(${PARTS.join('|')})\\s?$`);
const FOREIGN = /\b(RFC\s?\d+|MQTT\s?[\d.]+)\s?$/;
const OUTSIDE_MD = /([\w./-]+\.md)\s?$/;
/** A part named anywhere in the file: a citation (`frappe §4`) or, for the protocol parts, the bare name. */
const MENTION = /\b(zk-tcp|adms-push|usb-export)\b|\bfrappe(?=\s?§)/;

/** file:line and why, for every citation in `text` that has no heading in `known`. */
export function unresolved(file: string, text: string, known: Set<string>): string[] {
  const lines = text.split('\n');
  const firstLine = lines.find((l) => MENTION.test(l));
  const first = firstLine?.match(MENTION)?.[0] as Part | undefined;
  const problems: string[] = [];
  lines.forEach((line, i) => {
    for (const m of line.matchAll(SECTION)) {
      const before = line.slice(0, m.index);
      const where = `${file}:${i + 1}`;
      if (FOREIGN.test(before)) continue;
      const named = before.match(NAMED)?.[1] as Part | undefined;
      const outside = named ? undefined : before.match(OUTSIDE_MD)?.[1];
      if (outside) {
        problems.push(`${where}: ${outside} §${m[1]} cites a document outside the repository`);
        continue;
      }
      const part = named ?? first;
      if (!part) problems.push(`${where}: §${m[1]} names no document, and the file cites none`);
      else if (!known.has(`${part} ${m[1]}`))
        problems.push(`${where}: ${part} §${m[1]} has no heading in docs/`);
    }
  });
  return problems;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(path);
    return /\.(ts|md)$/.test(name) ? [path] : [];
  });
}

const docs = readdirSync(join(root, 'docs'))
  .filter((n) => n.endsWith('.md'))
  .map((n) => readFileSync(join(root, 'docs', n), 'utf8'));
const known = headings(docs);

t.test('the docs carry numbered headings for every part', async (t) => {
  for (const part of PARTS)
    t.ok(
      [...known].some((k) => k.startsWith(`${part} `)),
      `${part} has § headings`,
    );
});

// the README's topics moved to docs/ keep their citations; protocol.md and frappe.md hold the headings
const citing = readdirSync(join(root, 'docs'))
  .filter((n) => n.endsWith('.md') && n !== 'protocol.md' && n !== 'frappe.md')
  .map((n) => join(root, 'docs', n));

t.test('every § in the code, the README and docs/ resolves to a heading in docs/', async (t) => {
  const files = [
    ...['src', 'protocol', 'bench'].flatMap((d) => sources(join(root, d))),
    join(root, 'README.md'),
    ...citing,
  ];
  let citations = 0;
  const problems: string[] = [];
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    citations += [...text.matchAll(SECTION)].length;
    problems.push(...unresolved(relative(root, path), text, known));
  }
  t.ok(citations > 100, `found ${citations} citations`);
  t.same(problems, [], 'unresolved citations');
});

t.test('the check itself fails on what it must refuse', async (t) => {
  const k = new Set(['zk-tcp 12', 'zk-tcp 11.3a', 'adms-push 4.3', 'frappe 2']);
  t.same(unresolved('a.ts', '// (zk-tcp §12), bare §12, RFC 793 §3.1, MQTT 5 §4.6', k), []);
  t.same(unresolved('b.ts', '/** adms-push §4.3 */\n// again §4.3, then frappe §2', k), []);
  t.same(unresolved('c.ts', '// zk-tcp §99, §11.3a, §11.3b', k), [
    'c.ts:1: zk-tcp §99 has no heading in docs/',
    'c.ts:1: zk-tcp §11.3b has no heading in docs/',
  ]);
  t.same(unresolved('d.ts', '// x\n// zk-tcp.md §12', k), [
    'd.ts:2: zk-tcp.md §12 cites a document outside the repository',
  ]);
  t.same(unresolved('e.ts', '// only §2', k), ['e.ts:1: §2 names no document, and the file cites none']);
  t.same(unresolved('f.ts', '// adms-push §4.3\n// bare §12 is adms-push', k), [
    'f.ts:2: adms-push §12 has no heading in docs/',
  ]);
});
