import type { Logger } from 'pino';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { Command, commandLabel } from '../../protocol/zk/commands.js';
import type { encodePacket, ZkPacket } from '../../protocol/zk/packet.js';
import { EventFlag } from '../../protocol/zk/realtime-event.js';
import { type Answer, type ConnectionState, commandTable, reply } from './commands/index.js';
import type { SimDevice } from './device.js';
import { corruptFrame } from './faults.js';
import { realtimePayload } from './realtime.js';

/** Commands a terminal with a comm key serves before CMD_AUTH succeeds (zk-tcp §5). */
const BEFORE_AUTH = new Set<number>([Command.CONNECT, Command.AUTH, Command.EXIT]);

/** How answers leave: TCP frames through the paced writer, or one UDP datagram each. */
export interface ClientOutput {
  encode: typeof encodePacket;
  send(frames: Buffer[]): void;
  /** EXIT: close once the answer is out (TCP); nothing to close on UDP. */
  end(): void;
  /** Largest DATA payload for this transport (UDP: 1024, zk-tcp §14). */
  maxData?: number;
}

/**
 * One client of the simulated terminal, whatever the transport: answers each request through the command
 * table echoing its reply id (§4), applies the fault switches, and sends new punches as realtime events
 * once the client registered for them (§12).
 */
export class SimClient {
  readonly state: ConnectionState;
  private log: Logger;
  private readonly onPunch = (record: AttlogRecord) => {
    if (!(this.state.eventMask & EventFlag.ATTLOG) || !this.state.authed) return;
    const data = realtimePayload(record, this.device.profile.eventLength);
    this.out.send([this.out.encode(Command.REG_EVENT, EventFlag.ATTLOG, 0, data)]);
  };

  constructor(
    private readonly device: SimDevice,
    private readonly clientLog: Logger,
    private readonly out: ClientOutput,
  ) {
    this.state = {
      session: 0,
      prepared: undefined,
      eventMask: 0,
      authed: device.profile.commKey === 0,
      ...(out.maxData ? { maxData: out.maxData } : {}),
    };
    this.log = clientLog.child({ session: 0 });
    device.on('punch', this.onPunch);
  }

  get logger(): Logger {
    return this.log;
  }

  dispose(): void {
    this.device.off('punch', this.onPunch);
  }

  receive(req: ZkPacket): void {
    const { device, state } = this;
    // the client's answer to an event: ACK_OK with reply id 0, which gets no answer itself (§12)
    if (req.command === Command.ACK_OK) {
      device.eventAcks++;
      return;
    }
    this.log.debug(
      { command: commandLabel(req.command), replyId: req.replyId, bytes: req.data.length },
      'request',
    );
    if (device.faults.ignoreCommands?.includes(req.command)) return;
    const session = state.session;
    const { frames, close } = this.answer(req);
    if (state.session !== session) this.log = this.clientLog.child({ session: state.session });
    const corrupt = device.faults.corruptCommand === req.command;
    this.out.send(
      frames.map((f) => {
        const frame = this.out.encode(f.command, f.session ?? state.session, req.replyId, f.data);
        return corrupt ? corruptFrame(frame) : frame;
      }),
    );
    if (close) this.out.end();
  }

  private answer(req: ZkPacket): Answer {
    const handler = commandTable[req.command];
    if (!handler) return reply(Command.ACK_UNKNOWN);
    if (!this.state.authed && !BEFORE_AUTH.has(req.command)) return reply(Command.ACK_UNAUTH);
    try {
      return handler(req, { device: this.device, conn: this.state, log: this.log });
    } catch (err) {
      this.log.warn(
        { err, command: commandLabel(req.command), replyId: req.replyId },
        'malformed request data',
      );
      return reply(Command.ACK_ERROR_DATA);
    }
  }
}
