import type { FrappeClient, FrappeFilter } from './client.js';
import { mapLimit } from './insert-many.js';

/**
 * Values per `in` filter. The filter travels in the query string of a GET (contract.md §2), and nginx in
 * front of Frappe refuses request lines over 8 KB by default (large_client_header_buffers): 50 punch ids
 * (40 hex characters, ~46 URL-encoded) keep a request near 2.5 KB.
 */
export const IN_CHUNK = 50;

/** GET /api/resource/{doctype} rows whose `field` is one of `values`, a few chunks side by side. */
export async function listWhereIn<T extends Record<string, unknown>>(
  client: FrappeClient,
  doctype: string,
  fields: string[],
  field: string,
  values: readonly string[],
  more: FrappeFilter[] = [],
): Promise<T[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) chunks.push(values.slice(i, i + IN_CHUNK));
  const pages = await mapLimit(chunks, 4, (chunk) =>
    client.getList<T>(doctype, { fields, filters: [[field, 'in', chunk], ...more], limit: 0 }),
  );
  return pages.flat();
}
