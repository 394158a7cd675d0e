import { Command } from '../../../protocol/zk/commands.js';
import { encodeFreeSizes } from '../../../protocol/zk/free-sizes.js';
import { decodeOptionRequest, encodeOptionAnswer } from '../../../protocol/zk/options.js';
import { ack, type CommandTable, reply } from './handler.js';

/** What the terminal tells about itself (zk-tcp §7, §7.1, §8). */
export const infoCommands: CommandTable = {
  [Command.OPTIONS_RRQ]: (req, { device }) => {
    const name = decodeOptionRequest(req.data);
    const value = device.option(name);
    return value === undefined ? reply(Command.ACK_ERROR) : ack(encodeOptionAnswer(name, value));
  },
  [Command.GET_VERSION]: (_req, { device }) => ack(Buffer.from(`${device.profile.firmware}\0`, 'latin1')),
  [Command.GET_FREE_SIZES]: (_req, { device }) => ack(encodeFreeSizes(device.freeSizes())),
};
