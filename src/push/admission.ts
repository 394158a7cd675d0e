import { timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import { onAllowList, parseAllowList, plainAddress } from '../address/index.js';

/** How a terminal proves who it is (config `push.devices[]`). */
export interface PushCredentials {
  /** Push comm key; when set, no request acts for the terminal without it or its handshake's address. */
  token?: string;
  /** Refuse every request without the key, also after a keyed handshake (firmware that sends it always). */
  keyEveryRequest?: boolean;
  /** Addresses or CIDR ranges the terminal may call from; none: any. */
  allowedIps?: readonly string[];
}

/** A request's claim to be the terminal, as far as HTTP shows it. */
export interface RequestIdentity {
  address: string;
  /** `pushcommkey`, when the request carries one. */
  key: string | null;
  handshake: boolean;
}

export type AdmissionResult =
  /** `trusted`: keyed, or from the address of the terminal's last admitted handshake. */
  { admitted: true; trusted: boolean } | { admitted: false; why: string };

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Who may act as one pushing terminal (adms-push §8): the serial is printed on the label, so it proves
 * nothing. The key is checked wherever it appears; old firmware sends it only on the handshake, so a request
 * without it is the terminal's only when it comes from the address whose keyed handshake was admitted last.
 * Without a token nothing can be proven: requests are admitted, but only those from the handshake's address
 * are trusted with commands and their results.
 */
export class PushAdmission {
  private readonly allowed: BlockList | undefined;

  constructor(private readonly credentials: PushCredentials) {
    const ips = credentials.allowedIps ?? [];
    if (ips.length > 0) this.allowed = parseAllowList(ips);
  }

  admit(r: RequestIdentity, boundAddress: string | undefined): AdmissionResult {
    const address = plainAddress(r.address);
    if (this.allowed && !onAllowList(this.allowed, address))
      return { admitted: false, why: 'address not in allowed_ips' };
    const fromBound = boundAddress !== undefined && address === boundAddress;
    const { token, keyEveryRequest } = this.credentials;
    if (token === undefined) return { admitted: true, trusted: r.handshake || fromBound };
    if (r.key !== null)
      return sameSecret(r.key, token)
        ? { admitted: true, trusted: true }
        : { admitted: false, why: 'wrong pushcommkey' };
    if (r.handshake || keyEveryRequest) return { admitted: false, why: 'missing pushcommkey' };
    return fromBound
      ? { admitted: true, trusted: true }
      : { admitted: false, why: 'no pushcommkey and not the address of the last keyed handshake' };
  }
}
