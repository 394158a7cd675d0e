import { DeviceSession } from './session.js';

export interface DiscoveryOptions {
  /** The serial to find; a terminal with any other serial is never adopted. */
  serial: string;
  /** Addresses to try, in order (address-range.ts). */
  candidates: readonly string[];
  port: number;
  transport?: 'tcp' | 'udp';
  commKey?: number;
  /** Connect and per-answer timeout of each probe; short, since most candidates are empty addresses. */
  timeoutMs: number;
  /** Probes at once; each is one CONNECT, one option read and EXIT. */
  concurrency: number;
  /** Aborting stops the scan (gateway shutdown). */
  signal?: AbortSignal;
}

export interface DiscoveryResult {
  /** Where the serial answered, or undefined when no candidate had it. */
  host: string | undefined;
  /** Candidates probed before the scan ended. */
  probed: number;
  /** Other terminals that answered, host → serial: for the operator, never adopted. */
  others: Map<string, string>;
}

/**
 * The serial at one address: CONNECT (+AUTH), `~SerialNumber`, EXIT (zk-tcp §5, §7.1). Undefined when
 * nothing there speaks the protocol in time or it refuses us; an empty serial (§7.1) reads as ''.
 */
export async function probeSerial(
  host: string,
  o: Omit<DiscoveryOptions, 'candidates' | 'concurrency' | 'serial'>,
): Promise<string | undefined> {
  const session = await DeviceSession.open({
    host,
    port: o.port,
    device: `${host}:${o.port}`,
    timeoutMs: o.timeoutMs,
    ...(o.commKey ? { commKey: o.commKey } : {}),
    ...(o.transport ? { transport: o.transport } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }).catch(() => undefined);
  if (!session) return undefined;
  try {
    const serial = await session.option('~SerialNumber');
    // terminals serve one client at a time (§15): leave politely so the real session can follow at once
    await session.exit().catch(() => {});
    return serial;
  } catch {
    session.close();
    return undefined;
  }
}

/**
 * Scans the candidates for the terminal with `serial`, `concurrency` probes at a time, and stops at the
 * first match. Only the serial decides: a terminal that answers with another serial is listed in
 * `others` and left alone.
 */
export async function findTerminal(o: DiscoveryOptions): Promise<DiscoveryResult> {
  const found = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, found.signal]) : found.signal;
  const others = new Map<string, string>();
  let host: string | undefined;
  let next = 0;
  let probed = 0;
  const worker = async (): Promise<void> => {
    while (next < o.candidates.length && !signal.aborted) {
      const candidate = o.candidates[next++]!;
      const serial = await probeSerial(candidate, { ...o, signal });
      probed++;
      if (serial === undefined) continue;
      if (serial === o.serial && host === undefined) {
        host = candidate;
        found.abort();
      } else if (serial !== o.serial) others.set(candidate, serial || '(empty serial)');
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(o.concurrency, o.candidates.length)) }, worker),
  );
  return { host, probed, others };
}
