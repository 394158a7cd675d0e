import type { PunchEvent } from '../event/index.js';
import { decodePunchEvent } from '../payload/index.js';
import type { FrappeBatchWriter, RawLogState } from './batch-writer.js';
import { INSERT_MANY_MAX } from './insert-many.js';
import { RAW_LOG_DOCTYPE } from './punch-plan.js';

export interface UnmappedRetryResult {
  /** Raw Logs found with status Unmapped. */
  checked: number;
  /** Now Synced (or parked as Error by HRMS). */
  written: number;
  /** Still without an (active) employee. */
  stillUnmapped: number;
}

/**
 * Writes the Checkins of punches parked as Unmapped whose employee can now be found (a Biometric User Map
 * row or attendance_device_id added, an employee set Active again). The punch comes back from the Raw
 * Log's source_payload, so nothing depends on MQTT keeping it. Run by the forwarder every
 * `forwarder.unmapped_retry_s` and by `x05-gateway forwarder --retry-unmapped`. Lookups are fresh (the
 * cache is dropped) and a Checkin is looked up before it is inserted, so a pass is safe to repeat.
 */
export async function retryUnmapped(writer: FrappeBatchWriter): Promise<UnmappedRetryResult> {
  writer.resolver.clear();
  const rows = await writer.client.getList(RAW_LOG_DOCTYPE, {
    fields: ['name', 'source_payload'],
    filters: [['status', '=', 'Unmapped']],
    orderBy: 'event_time asc',
    limit: 0,
  });
  const events: PunchEvent[] = [];
  for (const r of rows) {
    try {
      events.push(decodePunchEvent(String(r.source_payload ?? '')));
    } catch {
      // a Raw Log edited by hand: nothing to rebuild the punch from; it stays as it is
    }
  }
  const out: UnmappedRetryResult = { checked: rows.length, written: 0, stillUnmapped: 0 };
  for (let start = 0; start < events.length; start += INSERT_MANY_MAX) {
    const items = await writer.prepare(events.slice(start, start + INSERT_MANY_MAX));
    const results = await writer.writeCheckins(items);
    const changed = items.flatMap((_, i) => (results[i]!.status === 'Unmapped' ? [] : [i]));
    out.stillUnmapped += items.length - changed.length;
    out.written += changed.length;
    const existing: RawLogState = { kind: 'existing', status: 'Unmapped', checkin: undefined };
    await writer.recordRawLogs(
      changed.map((i) => items[i]!),
      changed.map((i) => results[i]!),
      changed.map(() => existing),
    );
  }
  return out;
}
