import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import t from 'tap';
import ts from 'typescript';
import { repoRoot as root } from '../helpers/repo.js';

/**
 * The folder tree is the data flow: each folder under src/ is a stage that others reach only through its
 * index.ts, whose exports are named (no `export *`), and stages depend on each other without cycles.
 * Only the command layer (src/cli) may `import()` another stage's module directly: a command loads its
 * implementation when it runs, so that `--version` and `--help` load nothing else.
 */

interface Edge {
  file: string;
  line: number;
  target: string;
  dynamic: boolean;
}

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) yield p;
  }
}

function importsOf(path: string): Edge[] {
  const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (spec: ts.Node, dynamic: boolean) => {
    if (!ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    edges.push({
      file: relative(root, path),
      line: sf.getLineAndCharacterOfPosition(spec.getStart()).line + 1,
      target: relative(root, normalize(join(dirname(path), spec.text.replace(/\.js$/, '.ts')))),
      dynamic,
    });
  };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier)
      add(n.moduleSpecifier, false);
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0])
      add(n.arguments[0], true);
    n.forEachChild(visit);
  };
  visit(sf);
  return edges;
}

const stageOf = (file: string): string | undefined => /^src\/([^/]+)\//.exec(file)?.[1];
const src = [...tsFiles(join(root, 'src'))];
const edges = src.flatMap(importsOf);

t.test('the scan reads the sources (it cannot pass by reading nothing)', async (t) => {
  t.ok(src.length > 150, `${src.length} files`);
  t.ok(edges.filter((e) => stageOf(e.target) !== stageOf(e.file)).length > 100, 'cross-stage imports seen');
});

t.test('a stage reaches another only through its index.ts', async (t) => {
  const deep = edges.filter((e) => {
    const from = stageOf(e.file);
    const to = stageOf(e.target);
    if (!from || !to || from === to) return false;
    if (e.dynamic && from === 'cli') return false;
    return e.target !== `src/${to}/index.ts`;
  });
  t.same(
    deep.map((e) => `${e.file}:${e.line} → ${e.target}`),
    [],
  );
});

t.test('every index.ts names its exports', async (t) => {
  const stars = src
    .filter((f) => /src\/[^/]+\/index\.ts$/.test(f))
    .filter((f) => /export \*/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
  t.same(stars, []);
});

t.test('stages depend on each other without a cycle, types included', async (t) => {
  const deps = new Map<string, Set<string>>();
  for (const e of edges) {
    const from = stageOf(e.file);
    const to = stageOf(e.target);
    if (from && to && from !== to) deps.set(from, (deps.get(from) ?? new Set()).add(to));
  }
  const cycles: string[] = [];
  const walk = (stage: string, path: string[]) => {
    for (const next of deps.get(stage) ?? []) {
      if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
      else walk(next, [...path, next]);
    }
  };
  for (const stage of deps.keys()) walk(stage, [stage]);
  t.same(cycles, []);
  t.ok(deps.get('app')?.has('device') && !deps.get('device')?.has('app'), 'the wiring depends on the stages');
});

t.test('protocol/ never imports src/', async (t) => {
  const up = [...tsFiles(join(root, 'protocol'))]
    .flatMap(importsOf)
    .filter((e) => e.target.startsWith('src/'))
    .map((e) => `${e.file}:${e.line} → ${e.target}`);
  t.same(up, []);
});
