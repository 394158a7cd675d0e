import type { FrappeClient } from './client.js';
import { FrappeError } from './errors.js';

export const INSERT_MANY_METHOD = 'frappe.client.insert_many';
/** More in one call → 417 "Only 200 inserts allowed in one request" (contract.md §2). */
export const INSERT_MANY_MAX = 200;

export type InsertResult = { name: string } | { error: FrappeError };

/**
 * Inserts `docs` (each with its `doctype`) with frappe.client.insert_many, ≤ 200 per call. A batch is
 * all-or-nothing and its error names only the first bad document without its index (contract.md §2),
 * so a refused batch is bisected until each refused document stands alone: one bad punch among 200 costs
 * about 2·log2(200) ≈ 16 extra calls and the other 199 are written. Errors that are about the site, not
 * a document (`retryable`, `auth`), are thrown for the whole call: retrying later is the answer.
 */
export async function insertManyIsolating(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
): Promise<InsertResult[]> {
  const out: InsertResult[] = [];
  for (let i = 0; i < docs.length; i += INSERT_MANY_MAX) {
    out.push(...(await bisect(client, docs.slice(i, i + INSERT_MANY_MAX))));
  }
  return out;
}

async function bisect(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
): Promise<InsertResult[]> {
  if (docs.length === 0) return [];
  try {
    const names = await client.callMethod<unknown[]>(INSERT_MANY_METHOD, { docs });
    if (!Array.isArray(names) || names.length !== docs.length) {
      throw new FrappeError({
        status: 0,
        httpMethod: 'POST',
        path: `/api/method/${INSERT_MANY_METHOD}`,
        method: INSERT_MANY_METHOD,
        detail: `expected ${docs.length} names, got ${JSON.stringify(names)?.slice(0, 200)}`,
      });
    }
    return names.map((n) => ({ name: String(n) }));
  } catch (err) {
    if (!(err instanceof FrappeError) || err.kind === 'retryable' || err.kind === 'auth') throw err;
    // a missing DocType or method is the site's problem, not this document's
    if (err.status === 404 || err.messages.some((m) => m.startsWith('Failed to get method'))) throw err;
    if (docs.length === 1) return [{ error: err }];
    const half = Math.ceil(docs.length / 2);
    return [...(await bisect(client, docs.slice(0, half))), ...(await bisect(client, docs.slice(half)))];
  }
}

/** Runs `fn` over `items` with at most `limit` calls at once; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
