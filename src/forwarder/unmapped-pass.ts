import type { Logger } from 'pino';
import type { FrappeBatchWriter } from '../frappe/index.js';
import { retryUnmapped } from '../frappe/index.js';
import type { BatchPipeline } from './batch-pipeline.js';

/**
 * Every `everyS` seconds, writes the punches parked as Unmapped whose employee has appeared since. It runs
 * in its own turn of the Checkin lane, so it never writes an employee's Checkin beside a live batch
 * (frappe §4, rule 3). Returns a function that stops it.
 */
export function startUnmappedPass(
  pipeline: BatchPipeline,
  writer: FrappeBatchWriter,
  everyS: number,
  logger: Logger,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pipeline
      .exclusive(() => retryUnmapped(writer))
      .then((r) => {
        if (r.written > 0) logger.info(r, 'Unmapped punches written now that their employee is known');
      })
      .catch((err: unknown) => logger.warn({ err }, 'Unmapped retry pass failed; next pass tries again'))
      .finally(() => {
        running = false;
      });
  }, everyS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
