import { Command } from '../../../protocol/zk/commands.js';
import { ack, type CommandTable } from './handler.js';

/** Connection life cycle and device state switches (zk-tcp.md §4, §5, §7, §12). */
export const sessionCommands: CommandTable = {
  [Command.CONNECT]: (_req, { device, conn }) => {
    // a second CONNECT on the same socket gets the same session id (adrobinoga, zk-tcp.md §4)
    if (conn.session === 0) conn.session = device.newSession();
    return ack();
  },
  [Command.EXIT]: () => ({ ...ack(), close: true }),
  // no comm key is set on this terminal, so any AUTH succeeds (zk-tcp.md §5)
  [Command.AUTH]: () => ack(),
  [Command.DISABLEDEVICE]: (_req, { device }) => {
    device.enabled = false;
    return ack();
  },
  [Command.ENABLEDEVICE]: (_req, { device }) => {
    device.enabled = true;
    return ack();
  },
  [Command.REFRESHDATA]: () => ack(),
  [Command.REG_EVENT]: (req, { conn }) => {
    conn.eventMask = req.data.readUInt32LE(0);
    return ack();
  },
};
