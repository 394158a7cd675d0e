import { Command } from '../../../protocol/zk/commands.js';
import { decodePackedTime, encodeClockData, wallTimeProblem } from '../../../protocol/zk/time.js';
import { ack, type CommandTable, reply } from './handler.js';

/** GET_TIME / SET_TIME carry the packed u32 device wall time (zk-tcp §7, §10). */
export const clockCommands: CommandTable = {
  [Command.GET_TIME]: (_req, { device }) => {
    return ack(encodeClockData(device.clock.now()));
  },
  // zkteco-js pads the time to 32 bytes; only the first u32 counts
  [Command.SET_TIME]: (req, { device }) => {
    const wall = decodePackedTime(req.data.readUInt32LE(0));
    if (wallTimeProblem(wall)) return reply(Command.ACK_ERROR);
    device.clock.set(wall);
    return ack();
  },
};
