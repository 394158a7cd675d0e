/**
 * Fault switches of the simulated terminal, for tests of what the gateway does when a terminal misbehaves
 * (zk-tcp §15). Mutable at run time through `Simulator.device.faults`; each applies to every client.
 */
export interface SimFaults {
  /** Close the connection after this many more bytes have been sent (mid-frame); one-shot, clears itself. */
  dropAfterBytes?: number;
  /** Wait this long before each answer (a slow WAN link or a busy terminal). */
  delayMs?: number;
  /** Answers to this command go out with a broken checksum (a corrupt frame). */
  corruptCommand?: number;
  /** Requests with these command codes get no answer at all. */
  ignoreCommands?: number[];
  /**
   * UDP only: every Nth datagram the terminal sends is lost (counted across its clients). UDP has no
   * retransmission, so a lost datagram must cost one chunk re-request, not the download (zk-tcp §14).
   */
  dropEveryNthDatagram?: number;
}

/** Flips the checksum bytes of a TCP frame in place (envelope 8 bytes, checksum at 10–11). */
export function corruptFrame(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out[10] = (out[10] ?? 0) ^ 0xff;
  return out;
}
