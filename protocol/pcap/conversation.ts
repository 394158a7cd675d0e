/** The ZK terminal port, TCP and UDP alike (zk-tcp §14). */
export const ZK_PORT = 4370;

/** Anything sent from one address and port to another: a TCP segment, a UDP datagram. */
export interface Addressed {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

const endpoint = (a: string, p: number) => `${a}|${p}`;

/** Items grouped by their unordered pair of ends: one list per conversation, conversations in first-seen order. */
export function byConversation<T extends Addressed>(items: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const s of items) {
    const a = endpoint(s.src, s.srcPort);
    const b = endpoint(s.dst, s.dstPort);
    const key = a < b ? `${a}/${b}` : `${b}/${a}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.values()];
}

/** The items of `list` one end sent. */
export const sentBy = <T extends Addressed>(list: readonly T[], e: { address: string; port: number }): T[] =>
  list.filter((s) => s.src === e.address && s.srcPort === e.port);

export interface Ends {
  client: { address: string; port: number };
  server: { address: string; port: number };
}

/** Client and server of a conversation, from one item and whether its sender is the client. */
export function ends(item: Addressed, clientIsSrc: boolean): Ends {
  const src = { address: item.src, port: item.srcPort };
  const dst = { address: item.dst, port: item.dstPort };
  return clientIsSrc ? { client: src, server: dst } : { client: dst, server: src };
}
