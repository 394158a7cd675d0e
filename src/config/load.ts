import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { type CloudConfig, CloudConfigSchema, type SiteConfig, SiteConfigSchema } from './schema.js';

/** `devices[2].port` from a zod issue path. */
export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

export function parseConfig<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      throw new ConfigError(
        file,
        '',
        `not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${err.code}`,
      );
    }
    throw err;
  }
  const result = schema.safeParse(doc ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = [...issue.path];
    // an unknown key is reported at its own path, not at its parent
    if (issue.code === 'unrecognized_keys') path.push(issue.keys[0]!);
    throw new ConfigError(file, keyPath(path), issue.message);
  }
  return result.data;
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export function loadSiteConfig(file: string, env: NodeJS.ProcessEnv = process.env): SiteConfig {
  const cfg = parseConfig(SiteConfigSchema, readConfig(file), file);
  if (!cfg.broker.password && env.X05_MQTT_PASSWORD) cfg.broker.password = env.X05_MQTT_PASSWORD;
  return cfg;
}

/** Secrets may come from the environment so they stay out of files: X05_FRAPPE_API_SECRET, X05_MQTT_PASSWORD. */
export function loadCloudConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: { requireSecret?: boolean } = {},
): CloudConfig {
  const cfg = parseConfig(CloudConfigSchema, readConfig(file), file);
  if (!cfg.frappe.api_secret && env.X05_FRAPPE_API_SECRET) cfg.frappe.api_secret = env.X05_FRAPPE_API_SECRET;
  if (!cfg.broker.password && env.X05_MQTT_PASSWORD) cfg.broker.password = env.X05_MQTT_PASSWORD;
  if (!cfg.frappe.api_secret && opts.requireSecret !== false)
    throw new ConfigError(file, 'frappe.api_secret', 'missing (set it or X05_FRAPPE_API_SECRET)');
  return cfg;
}
