import type { FrappeClient } from './client.js';
import { FrappeError } from './errors.js';

export const INSERT_MANY_METHOD = 'frappe.client.insert_many';
/** More in one call → 417 "Only 200 inserts allowed in one request" (frappe §2). */
export const INSERT_MANY_MAX = 200;

/** Inserted now; already there (found after a refusal, `existing`); or refused on its own. */
export type InsertResult = { name: string; existing?: true } | { error: FrappeError };

/** Names of the documents (by index into the batch) that turn out to be there already. */
export type FindExisting = (indices: readonly number[]) => Promise<ReadonlyMap<number, string>>;

/**
 * Inserts `docs` (each with its `doctype`) with frappe.client.insert_many, ≤ 200 per call. A batch is
 * all-or-nothing and its error names only the first bad document without its index (frappe §2).
 * The commonest refusal is a repeat of documents an earlier, unanswered attempt committed, so a refused
 * call first asks `findExisting` (one lookup) and leaves those out; what is still refused is bisected
 * until each refused document stands alone: one bad punch among 200 costs about 2·log2(200) ≈ 16 extra
 * calls and the other 199 are written. Errors that are about the site, not a document (`retryable`,
 * `auth`), are thrown for the whole call: retrying later is the answer.
 */
export async function insertManyIsolating(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
  findExisting?: FindExisting,
): Promise<InsertResult[]> {
  const out: InsertResult[] = [];
  for (let start = 0; start < docs.length; start += INSERT_MANY_MAX) {
    const chunk = docs.slice(start, start + INSERT_MANY_MAX);
    const whole = await insertOrRefusal(client, chunk);
    if (!(whole instanceof FrappeError)) {
      out.push(...whole);
      continue;
    }
    const at = chunk.map((_, k) => start + k);
    const found = findExisting ? await findExisting(at) : new Map<number, string>();
    const rest = at.filter((i) => !found.has(i));
    const written =
      rest.length === chunk.length
        ? await split(client, chunk, whole)
        : await bisect(
            client,
            rest.map((i) => docs[i]!),
          );
    const byIndex = new Map(rest.map((i, k) => [i, written[k]!]));
    for (const i of at) out.push(found.has(i) ? { name: found.get(i)!, existing: true } : byIndex.get(i)!);
  }
  return out;
}

/** The names of one insert_many call, or Frappe's refusal of a document in it. */
async function insertOrRefusal(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
): Promise<InsertResult[] | FrappeError> {
  try {
    return await insertCall(client, docs);
  } catch (err) {
    if (!(err instanceof FrappeError) || err.kind === 'retryable' || err.kind === 'auth') throw err;
    // a missing DocType or method is the site's problem, not this document's
    if (err.status === 404 || err.messages.some((m) => m.startsWith('Failed to get method'))) throw err;
    return err;
  }
}

/** Bisects a refused batch whose refusal is already known (saves sending it again whole). */
async function split(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
  refusal: FrappeError,
): Promise<InsertResult[]> {
  if (docs.length === 1) return [{ error: refusal }];
  const half = Math.ceil(docs.length / 2);
  return [...(await bisect(client, docs.slice(0, half))), ...(await bisect(client, docs.slice(half)))];
}

async function bisect(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
): Promise<InsertResult[]> {
  if (docs.length === 0) return [];
  const r = await insertOrRefusal(client, docs);
  return r instanceof FrappeError ? split(client, docs, r) : r;
}

async function insertCall(
  client: FrappeClient,
  docs: readonly Record<string, unknown>[],
): Promise<InsertResult[]> {
  const names = await client.callMethod<unknown[]>(INSERT_MANY_METHOD, { docs });
  if (!Array.isArray(names) || names.length !== docs.length) {
    // status 0: not a usable answer, retried like a network error
    throw new FrappeError({
      status: 0,
      httpMethod: 'POST',
      path: `/api/method/${INSERT_MANY_METHOD}`,
      method: INSERT_MANY_METHOD,
      detail: `expected ${docs.length} names, got ${JSON.stringify(names)?.slice(0, 200)}`,
    });
  }
  return names.map((n) => ({ name: String(n) }));
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
