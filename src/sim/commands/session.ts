import { makeCommKey } from '../../../protocol/zk/comm-key.js';
import { Command } from '../../../protocol/zk/commands.js';
import { ack, type CommandTable, reply } from './handler.js';

/** Connection life cycle and device state switches (zk-tcp §4, §5, §7, §12). */
export const sessionCommands: CommandTable = {
  [Command.CONNECT]: (_req, { device, conn }) => {
    // a second CONNECT on the same socket gets the same session id (adrobinoga, zk-tcp §4)
    if (conn.session === 0) conn.session = device.newSession();
    // with a comm key set the session id still comes back, in an ACK_UNAUTH (zk-tcp §5)
    return conn.authed || device.profile.commKey === 0 ? ack() : reply(Command.ACK_UNAUTH);
  },
  [Command.EXIT]: () => ({ ...ack(), close: true }),
  // the ticks byte is read back from byte 2 of the payload (§5 step 5); a wrong key answers ACK_UNAUTH again
  [Command.AUTH]: (req, { device, conn }) => {
    if (device.profile.commKey === 0) return ack();
    const expected = makeCommKey(device.profile.commKey, conn.session, req.data[2] ?? 0);
    conn.authed = req.data.length >= 4 && expected.equals(req.data.subarray(0, 4));
    return conn.authed ? ack() : reply(Command.ACK_UNAUTH);
  },
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
