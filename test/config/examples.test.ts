import { readFileSync } from 'node:fs';
import t from 'tap';
import type { z } from 'zod';
import { CloudConfigSchema, SiteConfigSchema } from '../../src/config/schema.js';

/** The object schemas a key's value may be, through defaults, optionals, arrays and unions. */
function objectsIn(schema: z.ZodType): z.ZodObject[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === 'object') return [schema as z.ZodObject];
  if (def.type === 'union') return (def.options as z.ZodType[]).flatMap(objectsIn);
  const inner = (def.innerType ?? def.element ?? def.in) as z.ZodType | undefined;
  return inner ? objectsIn(inner) : [];
}

/** Every key path of a config schema, but for keys that may never be set (replaced ones, kept to say so). */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  return objectsIn(schema).flatMap((o) =>
    Object.entries(o.shape as Record<string, z.ZodType>)
      .filter(
        ([, v]) =>
          v._zod.def.type !== 'never' &&
          (v._zod.def as { innerType?: z.ZodType }).innerType?._zod.def.type !== 'never',
      )
      .flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]),
  );
}

// a config error's hint sends the reader to the examples, which "explain every key"
for (const [file, schema] of [
  ['config/site.example.yaml', SiteConfigSchema],
  ['config/cloud.example.yaml', CloudConfigSchema],
] as const) {
  t.test(`${file} shows every key its schema accepts`, async (t) => {
    const text = readFileSync(file, 'utf8');
    const paths = keyPaths(schema);
    t.ok(paths.length > 20, `${paths.length} keys`);
    const missing = paths.filter((p) => !new RegExp(`^[\\s#-]*${p.split('.').pop()}:`, 'm').test(text));
    t.same(missing, [], 'keys not in the example (commented out is enough)');
  });
}
