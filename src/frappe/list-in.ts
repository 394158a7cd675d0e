import type { FrappeClient, FrappeFilter } from './client.js';
import { mapLimit } from './insert-many.js';

/** Values per `in` filter at most: 50 punch ids (40 hex characters) keep a request near 2.5 KB. */
export const IN_CHUNK = 50;
/**
 * URL-encoded characters of `in` values per request. The filter travels in the query string of a GET
 * (frappe §2), and nginx in front of Frappe refuses request lines over 8 KB by default
 * (large_client_header_buffers) with 414; this leaves room for the path and the other parameters.
 */
export const IN_BUDGET = 4000;

/**
 * GET /api/resource/{doctype} rows whose `field` is one of `values`, a few chunks side by side. A value
 * too long for the budget on its own is left out of the query: no Data field (140 characters) can hold
 * it, so no row can match it, and sending it would only earn a 414.
 */
export async function listWhereIn<T extends Record<string, unknown>>(
  client: FrappeClient,
  doctype: string,
  fields: string[],
  field: string,
  values: readonly string[],
  more: FrappeFilter[] = [],
): Promise<T[]> {
  const chunks = chunkBySize(values);
  const pages = await mapLimit(chunks, 4, (chunk) =>
    client.getList<T>(doctype, { fields, filters: [[field, 'in', chunk], ...more], limit: 0 }),
  );
  return pages.flat();
}

function chunkBySize(values: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let size = 0;
  for (const v of values) {
    const cost = encodeURIComponent(JSON.stringify(v)).length + 3;
    if (cost > IN_BUDGET) continue;
    if (chunk.length >= IN_CHUNK || size + cost > IN_BUDGET) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(v);
    size += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
