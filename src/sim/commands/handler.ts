import type { Logger } from 'pino';
import { Command } from '../../../protocol/zk/commands.js';
import type { ZkPacket } from '../../../protocol/zk/packet.js';
import type { SimDevice } from '../device.js';

/** What one client connection holds between its requests. */
export interface ConnectionState {
  /** 0 until CONNECT. */
  session: number;
  /** The dataset of the last 1503 answered with a size, until FREE_DATA (zk-tcp §9). */
  prepared: Buffer | undefined;
  /** Mask from REG_EVENT: EF_ATTLOG (1) set means new punches are sent as events (zk-tcp §12). */
  eventMask: number;
  /** Largest DATA payload on this transport, when below the profile's (UDP: 1024, zk-tcp §14). */
  maxData?: number;
  /** CMD_AUTH accepted (or no comm key set); until then only CONNECT, AUTH and EXIT are served (§5). */
  authed: boolean;
}

/** One packet of an answer. It carries the request's reply id; `session` defaults to the connection's. */
export interface Frame {
  command: number;
  session?: number;
  data?: Buffer;
}

export interface Answer {
  frames: Frame[];
  /** Close the connection once the frames are sent (EXIT). */
  close?: boolean;
}

export interface CommandContext {
  device: SimDevice;
  conn: ConnectionState;
  log: Logger;
}

/** Answers one request. May throw on malformed request data; the connection answers ACK_ERROR_DATA then. */
export type CommandHandler = (req: ZkPacket, ctx: CommandContext) => Answer;

export type CommandTable = Readonly<Record<number, CommandHandler>>;

export function reply(command: number, data?: Buffer): Answer {
  return { frames: [{ command, data }] };
}

export function ack(data?: Buffer): Answer {
  return reply(Command.ACK_OK, data);
}
