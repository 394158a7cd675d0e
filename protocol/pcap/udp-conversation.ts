import { byConversation, type Ends, ends, sentBy, ZK_PORT } from './conversation.js';
import type { UdpDatagram } from './udp-datagram.js';

/** The datagrams exchanged between a client and a terminal. */
export interface UdpConversation extends Ends {
  transport: 'udp';
  /**
   * Each direction's datagrams in capture order. Nothing to reassemble: one datagram is one ZK packet
   * (zk-tcp §14), and a lost one is simply absent.
   */
  toServer: UdpDatagram[];
  toClient: UdpDatagram[];
  firstIndex: number;
}

/**
 * Groups datagrams into conversations with a terminal on `devicePort`, which is the server end. Other UDP
 * traffic (DNS, NTP, discovery…) is left out, unlike TCP where every connection is kept: datagrams carry no
 * handshake telling a ZK session from anything else. When both ends use the port, the first sender is the
 * client (a terminal only answers).
 */
export function udpConversations(datagrams: readonly UdpDatagram[], devicePort = ZK_PORT): UdpConversation[] {
  const out: UdpConversation[] = [];
  for (const list of byConversation(datagrams)) {
    const first = list[0]!;
    if (first.dstPort !== devicePort && first.srcPort !== devicePort) continue;
    const { client, server } = ends(first, first.dstPort === devicePort);
    out.push({
      transport: 'udp',
      client,
      server,
      toServer: sentBy(list, client),
      toClient: sentBy(list, server),
      firstIndex: first.index,
    });
  }
  return out;
}
