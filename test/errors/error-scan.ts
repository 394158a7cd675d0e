import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const BUILTIN_ERRORS = new Set([
  'Error',
  'RangeError',
  'TypeError',
  'SyntaxError',
  'EvalError',
  'ReferenceError',
  'URIError',
  'AggregateError',
]);

export interface ErrorClass {
  name: string;
  base: string;
  /** The literal code its constructor passes to super, when it passes one. */
  code?: string;
  /** Declared abstract: only its subclasses are ever made. */
  abstract: boolean;
  file: string;
  line: number;
}

export interface ErrorScan {
  /** `new Error(…)` and the like: places that make an error outside the catalogue. */
  builtins: Array<{ name: string; file: string; line: number }>;
  classes: ErrorClass[];
}

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) yield p;
  }
}

/** Every error made or declared in the product's sources (`src/`, `protocol/`), read from their syntax trees. */
export function scanErrors(root: string): ErrorScan {
  const scan: ErrorScan = { builtins: [], classes: [] };
  for (const dir of ['src', 'protocol'])
    for (const path of sourceFiles(join(root, dir))) {
      const file = relative(root, path);
      const sf = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
      const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const visit = (n: ts.Node): void => {
        if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && BUILTIN_ERRORS.has(n.expression.text))
          scan.builtins.push({ name: n.expression.text, file, line: line(n) });
        if (ts.isClassLike(n) && n.heritageClauses) {
          const ext = n.heritageClauses.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
          if (ext) {
            let code: string | undefined;
            n.forEachChild(function findSuper(c: ts.Node): void {
              if (
                ts.isCallExpression(c) &&
                c.expression.kind === ts.SyntaxKind.SuperKeyword &&
                c.arguments[0] &&
                ts.isStringLiteral(c.arguments[0])
              )
                code = c.arguments[0].text;
              c.forEachChild(findSuper);
            });
            scan.classes.push({
              name: n.name?.text ?? '(anonymous)',
              base: ext.expression.getText(sf),
              code,
              abstract: !!(ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Abstract),
              file,
              line: line(n),
            });
          }
        }
        n.forEachChild(visit);
      };
      visit(sf);
    }
  return scan;
}

/** The classes that are errors: those whose chain of bases reaches a builtin error class. */
export function errorClasses(scan: ErrorScan): Array<ErrorClass & { chain: string[] }> {
  const byName = new Map(scan.classes.map((c) => [c.name, c]));
  const out: Array<ErrorClass & { chain: string[] }> = [];
  for (const c of scan.classes) {
    const chain = [c.name];
    let base: string | undefined = c.base;
    while (base && !BUILTIN_ERRORS.has(base) && chain.length < 20) {
      chain.push(base);
      base = byName.get(base)?.base;
    }
    if (base && BUILTIN_ERRORS.has(base)) out.push({ ...c, chain: [...chain, base] });
  }
  return out;
}
