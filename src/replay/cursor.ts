import type { Logger } from 'pino';
import { Command, commandLabel } from '../../protocol/zk/commands.js';
import {
  decodePacket,
  encodePacket,
  encodeTcpPacket,
  HEADER_SIZE,
  packetChecksumValid,
  type ZkPacket,
} from '../../protocol/zk/packet.js';
import { TcpFramer } from '../../protocol/zk/tcp-framer.js';
import type { DeviceScript } from './device.js';

/** The client's acknowledgement of a realtime event: no request, nothing answers it. */
export const isEventAck = (p: ZkPacket) => p.command === Command.ACK_OK && p.replyId === 0;

/** Same command, and for chunk reads the same offset and length: the recorded answer fits this request. */
function fits(recorded: ZkPacket, live: ZkPacket): boolean {
  if (recorded.command !== live.command) return false;
  return live.command !== Command.READ_BUFFER || recorded.data.equals(live.data);
}

/** Recorded TCP answer bytes with the recorded request's reply id replaced by the live one (checksums redone). */
function restampStream(answer: Buffer, recordedId: number, liveId: number): Buffer {
  if (recordedId === liveId) return answer;
  const framer = new TcpFramer('replay');
  const out: Buffer[] = [];
  for (const r of framer.push(answer)) {
    if ('error' in r) continue;
    const p = r.packet;
    out.push(encodeTcpPacket(p.command, p.session, p.replyId === recordedId ? liveId : p.replyId, p.data));
  }
  // a recording cut inside a frame (broken session) ends in bytes no frame holds: send them as recorded
  const pending = framer.pending;
  if (pending > 0) out.push(answer.subarray(answer.length - pending));
  return Buffer.concat(out);
}

/** One recorded datagram, re-stamped the same way; one that is no valid packet goes out as recorded. */
function restampDatagram(datagram: Buffer, recordedId: number, liveId: number): Buffer {
  if (recordedId === liveId || datagram.length < HEADER_SIZE || !packetChecksumValid(datagram))
    return datagram;
  const p = decodePacket(datagram);
  return p.replyId === recordedId ? encodePacket(p.command, p.session, liveId, p.data) : datagram;
}

const wires = {
  tcp: { encode: encodeTcpPacket, restamp: restampStream },
  udp: { encode: encodePacket, restamp: restampDatagram },
};

/**
 * One live client's way through a script: each request gets the recorded answer of the first recorded
 * request that fits it and has not been answered yet (re-stamped with the live reply id), so a client that
 * asks in another order than the recorded one (the clock before the log, say) still gets each answer; a
 * request the recording has no answer for gets ACK_UNKNOWN; when the recording ends with the device
 * closing, the session ends once its last exchange is answered, so a broken session breaks again.
 */
export class ScriptCursor {
  private readonly answered: boolean[];

  constructor(
    private readonly script: DeviceScript,
    private readonly logger?: Logger,
  ) {
    this.answered = script.exchanges.map(() => false);
  }

  /** What to send for one live request, and whether the terminal then ends the session. */
  answer(live: ZkPacket): { send: Buffer[]; end: boolean } {
    const { exchanges, deviceClosed, transport } = this.script;
    const wire = wires[transport];
    const i = exchanges.findIndex((ex, n) => !this.answered[n] && fits(ex.request, live));
    const ex = exchanges[i];
    if (ex) {
      this.answered[i] = true;
      return {
        send: ex.answer.map((b) => wire.restamp(b, ex.request.replyId, live.replyId)),
        // a terminal ends the session once it has answered EXIT
        end: live.command === Command.EXIT || (deviceClosed && this.brokeHere()),
      };
    }
    this.logger?.warn({ command: commandLabel(live.command), replyId: live.replyId }, 'no recorded answer');
    if (deviceClosed && this.brokeHere()) return { send: [], end: true };
    // a terminal always acknowledges goodbye; a recording may stop before the client said it
    if (live.command === Command.EXIT)
      return { send: [wire.encode(Command.ACK_OK, live.session, live.replyId)], end: true };
    return { send: [wire.encode(Command.ACK_UNKNOWN, live.session, live.replyId)], end: false };
  }

  /** The recording's last exchange, after which the device closed, has been answered. */
  private brokeHere(): boolean {
    return this.answered.at(-1) === true;
  }
}
