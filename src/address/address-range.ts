import { isIP } from 'node:net';
import { AddressEntryError } from './address-entry-error.js';

/**
 * Where a terminal may be found again after its DHCP lease moved it: `discover` entries in the device
 * config. Each is a CIDR block (`192.168.1.0/24`), an IPv4 range (`192.168.1.20-192.168.1.60` or
 * `192.168.1.20-60`) or one host (address or name). IPv4 only: terminals on port 4370 have no IPv6 stack.
 */

/** A /20 (4,094 hosts) at most: a bigger block is a typo, and scanning it would take minutes per loss. */
export const MAX_DISCOVER_HOSTS = 4096;

function ipv4ToInt(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** First and last address of a block or range entry, why it is a bad one, or undefined for a host. */
function span(entry: string): { first: number; last: number } | { problem: string } | undefined {
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(entry);
  if (cidr) {
    const base = ipv4ToInt(cidr[1]!);
    const bits = Number(cidr[2]);
    if (base === undefined || bits > 32) return { problem: 'not an IPv4 CIDR block' };
    const size = 2 ** (32 - bits);
    const first = base - (base % size);
    // network and broadcast addresses hold no host in blocks that have them (/30 and larger)
    return size >= 4 ? { first: first + 1, last: first + size - 2 } : { first, last: first + size - 1 };
  }
  const range = /^([\d.]+)-([\d.]+)$/.exec(entry);
  if (range) {
    const first = ipv4ToInt(range[1]!);
    const end = range[2]!;
    // `192.168.1.20-60`: the end replaces the last octet
    const last = /^\d{1,3}$/.test(end) ? ipv4ToInt(range[1]!.replace(/\d+$/, end)) : ipv4ToInt(end);
    if (first === undefined || last === undefined || last < first)
      return { problem: 'not an IPv4 range low-high' };
    return { first, last };
  }
  return undefined;
}

/**
 * Why `entry` cannot be a discover entry, or undefined when it can. Used by the config schema, whose errors
 * name the key path and never echo a value, so neither does this.
 */
export function discoverEntryProblem(entry: string): string | undefined {
  if (entry.trim() === '') return 'empty discover entry';
  const s = span(entry);
  if (s === undefined) return /^[A-Za-z0-9.-]+$/.test(entry) ? undefined : 'not a host, CIDR block or range';
  if ('problem' in s) return s.problem;
  if (s.last - s.first + 1 > MAX_DISCOVER_HOSTS)
    return `covers ${s.last - s.first + 1} addresses; at most ${MAX_DISCOVER_HOSTS} (a /20)`;
  return undefined;
}

/** Every host the entries name, in order, each once. Entries must have passed `discoverEntryProblem`. */
export function expandDiscover(entries: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const entry of entries) {
    const problem = discoverEntryProblem(entry);
    if (problem) throw new AddressEntryError(entry, problem);
    const s = span(entry);
    if (s === undefined || 'problem' in s) hosts.add(entry);
    else for (let n = s.first; n <= s.last; n++) hosts.add(intToIpv4(n));
  }
  return [...hosts];
}
