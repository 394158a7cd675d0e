import { BlockList, isIP } from 'node:net';
import { AddressEntryError } from './address-entry-error.js';

/** An address or `address/prefix` added to `list`; throws an AddressEntryError naming what is wrong. */
function addEntry(list: BlockList, entry: string): void {
  const [address = '', prefix, extra] = entry.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) throw new AddressEntryError(entry, 'not an IP address or CIDR');
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) {
    list.addAddress(address, type);
    return;
  }
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  if (bits < 0 || bits > (family === 4 ? 32 : 128))
    throw new AddressEntryError(entry, 'prefix length out of range');
  list.addSubnet(address, bits, type);
}

/** Addresses and CIDR ranges as one list to `check` against; throws an AddressEntryError on a bad entry. */
export function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) addEntry(list, entry);
  return list;
}

/** The problem with an allow-list entry, for config validation; undefined when it is usable. */
export function allowedIpProblem(entry: string): string | undefined {
  try {
    addEntry(new BlockList(), entry);
    return undefined;
  } catch (err) {
    if (err instanceof AddressEntryError) return `"${entry}": ${err.problem}`;
    throw err;
  }
}

/** `::ffff:10.0.0.5` (an IPv4 peer on a dual-stack socket) compares as `10.0.0.5`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Whether `address` (as a socket reports it) is on the list. */
export function onAllowList(list: BlockList, address: string): boolean {
  const plain = plainAddress(address);
  return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
}
