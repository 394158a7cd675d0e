import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ForwarderStats } from '../forwarder/index.js';
import { mirrorCounts } from './counter-mirror.js';

/** The forwarder's absolute counts (src/forwarder keeps them; the registry mirrors them). */
export type ForwarderCounts = Pick<
  ForwarderStats,
  | 'received'
  | 'acked'
  | 'confirmed'
  | 'synced'
  | 'unmapped'
  | 'rejected'
  | 'deadLettered'
  | 'retries'
  | 'batches'
>;

export interface ForwarderSources {
  counts(): Readonly<ForwarderCounts>;
  /** Frappe refuses the API key (401/403): nothing is consumed until it accepts it again. */
  paused(): boolean;
  /** Seconds the oldest message in hand has waited. */
  oldestInHandS(): number;
}

/** Prometheus metrics of one forwarder process (docs/operations.md). */
export function forwarderRegistry(src: ForwarderSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // registered first: prom-client reads in registration order, so this refreshes the counters below
  new Gauge({
    name: 'x05_forwarder_auth_paused',
    help: '1 while Frappe refuses the API key (401/403) and punches wait in the broker',
    registers: [registry],
    collect() {
      this.set(src.paused() ? 1 : 0);
      mirror(src.counts());
      inHand.set(src.oldestInHandS());
    },
  });
  const inHand = new Gauge({
    name: 'x05_forwarder_oldest_in_hand_seconds',
    help: 'How long the oldest message in hand has waited for Frappe (0 when none)',
    registers: [registry],
  });
  const mirror = mirrorCounts<keyof ForwarderCounts>(registry, {
    received: ['x05_forwarder_received_total', 'Punch messages taken from the broker'],
    acked: [
      'x05_forwarder_acked_total',
      'Messages acknowledged to the broker: written, parked or dead-lettered',
    ],
    confirmed: ['x05_forwarder_confirmed_total', 'Punch ids confirmed to their gateways (Frappe holds them)'],
    synced: ['x05_forwarder_synced_total', 'Punches that became an Employee Checkin (or already were one)'],
    unmapped: ['x05_forwarder_unmapped_total', 'Punches parked as Unmapped: no employee for the device user'],
    rejected: ['x05_forwarder_rejected_total', 'Punches parked as Error: Frappe refused them (validation)'],
    deadLettered: [
      'x05_forwarder_deadlettered_total',
      'Malformed messages sent to x05/v1/deadletter with the reason',
    ],
    retries: ['x05_forwarder_retries_total', 'Failed Frappe calls that will be tried again'],
    batches: ['x05_forwarder_batches_total', 'Batches written (insert_many)'],
  });
  return registry;
}
