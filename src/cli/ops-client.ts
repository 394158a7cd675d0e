import { loadSiteConfig } from '../config/index.js';
import { OpsUnreachableError, opsUrl } from '../ops/index.js';
import { UsageError } from './exit-codes.js';
import { DEFAULT_OPS_LISTEN } from './options.js';

export interface OpsTarget {
  config?: string;
  url?: string;
}

/** The endpoint named by `listen` (a config's `ops.listen`); off is a usage error naming the config. */
function listenUrl(config: string, listen: string | null | undefined): string {
  if (!listen) throw new UsageError(`${config}: ops.listen is off, so the gateway cannot be asked`);
  return opsUrl(listen);
}

/**
 * A request to the running gateway's ops endpoint — `--url`, else the config's `ops.listen`, else the
 * default port; no answer at all is an `OpsUnreachableError` naming the URL. Named by `--config`, the
 * endpoint must be that site's gateway: another process may hold the address (a second gateway on the host,
 * whose own endpoint then failed to bind), and its answer would pass for this one's.
 */
export async function askGateway(
  o: OpsTarget,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  if (o.url) return request(o.url, path, init);
  if (!o.config) return request(opsUrl(DEFAULT_OPS_LISTEN), path, init);
  const cfg = loadSiteConfig(o.config);
  const base = listenUrl(o.config, cfg.ops.listen);
  const status = await request(base, '/status', {});
  const there = (status.body as { site?: unknown } | null)?.site;
  if (there !== cfg.site)
    throw new OpsUnreachableError(
      base,
      there === undefined
        ? `what answers is not a gateway, and ${o.config} is site ${cfg.site}`
        : `the gateway there is site ${String(there)}, ${o.config} is site ${cfg.site}`,
    );
  // the answer that proved the site is the one asked for: not asked twice
  const same = path === '/status' && init.method === undefined && init.body === undefined;
  return same ? status : request(base, path, init);
}

async function request(
  base: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown },
): Promise<{ status: number; body: unknown }> {
  // a JSON body, or the text of a plain answer such as a 404 for a path this gateway does not serve
  const res = await fetch(new URL(path, base), {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5000),
  }).catch((err: unknown) => {
    throw new OpsUnreachableError(base, (err as Error).message, err);
  });
  if (res.status >= 500) throw new OpsUnreachableError(base, `HTTP ${res.status}`);
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: json ? await res.json() : await res.text() };
}
