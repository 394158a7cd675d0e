import { appendFileSync } from 'node:fs';

// resolve, not load: a loader chained after this one (tsx) answers `load` for its own files itself
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.X05_TEST_MODULE_LOG, `${resolved.url}\n`);
  return resolved;
}
