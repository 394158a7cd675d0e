/**
 * RFC 1071 ones'-complement sum over the 8-byte header (checksum field zeroed) plus data, as sent
 * (zk-tcp §3). The peers reach the same bytes by an off-by-one route; this is the plain form.
 */
export function zkChecksum(packet: Uint8Array): number {
  let sum = 0;
  const even = packet.length & ~1;
  for (let i = 0; i < even; i += 2) {
    // bytes 2–3 hold the checksum itself and count as zero
    if (i !== 2) sum += packet[i]! | (packet[i + 1]! << 8);
  }
  if (even !== packet.length) sum += packet[even]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
