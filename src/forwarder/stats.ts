/** Live counters of one forwarder. */
export interface ForwarderStats {
  received: number;
  /** Acknowledged to the broker (written, parked, or dead-lettered). */
  acked: number;
  synced: number;
  unmapped: number;
  /** Raw Log parked with status Error: HRMS refused the punch. */
  rejected: number;
  deadLettered: number;
  /** Punch ids confirmed to their gateways (handed to the broker on the confirm topics). */
  confirmed: number;
  /** Failed write attempts that will be tried again. */
  retries: number;
  /** Batches taken through all three stages (batching writers only). */
  batches: number;
  /** Frappe answers 401/403: consuming stops until it accepts the forwarder again. */
  paused: boolean;
  lastError: string | undefined;
}

/** A forwarder's counters before its first message. */
export function newForwarderStats(): ForwarderStats {
  return {
    received: 0,
    acked: 0,
    synced: 0,
    unmapped: 0,
    rejected: 0,
    deadLettered: 0,
    confirmed: 0,
    retries: 0,
    batches: 0,
    paused: false,
    lastError: undefined,
  };
}
