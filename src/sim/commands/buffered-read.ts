import {
  decodePrepareBuffer,
  decodeReadBuffer,
  encodeBufferSize,
  encodePrepareData,
} from '../../../protocol/zk/buffered-read.js';
import { Command } from '../../../protocol/zk/commands.js';
import { ack, type CommandTable, type Frame, reply } from './handler.js';

/** Datasets up to this size come inline as one CMD_DATA: "below about 1 KB" (adrobinoga, zk-tcp §9.2). */
const INLINE_DATASET_MAX = 1024;

/** The buffered bulk read: 1503 prepare, 1504 per chunk, FREE_DATA (zk-tcp §9). */
export const bufferedReadCommands: CommandTable = {
  [Command.PREPARE_BUFFER]: (req, { device, conn }) => {
    const dataset = device.dataset(decodePrepareBuffer(req.data));
    if (!dataset) return reply(Command.ACK_ERROR);
    if (
      dataset.length <= Math.min(INLINE_DATASET_MAX, device.profile.maxDataPayload, conn.maxData ?? Infinity)
    )
      return reply(Command.DATA, dataset);
    conn.prepared = dataset;
    return ack(encodeBufferSize(dataset.length));
  },
  [Command.READ_BUFFER]: (req, { device, conn }) => {
    const { offset, length } = decodeReadBuffer(req.data);
    const dataset = conn.prepared;
    if (!dataset || length === 0 || offset + length > dataset.length) return reply(Command.ACK_ERROR);
    const max = Math.min(device.profile.maxDataPayload, conn.maxData ?? Number.POSITIVE_INFINITY);
    const frames: Frame[] = [
      { command: Command.PREPARE_DATA, data: encodePrepareData({ length, packetSize: max }) },
    ];
    // inside a chunk the session field of DATA is a packet counter 0, 1, 2… (zk-tcp §9.4)
    for (let at = 0, counter = 0; at < length; at += max, counter++) {
      const end = Math.min(length, at + max);
      frames.push({
        command: Command.DATA,
        session: counter & 0xffff,
        data: dataset.subarray(offset + at, offset + end),
      });
    }
    frames.push({ command: Command.ACK_OK });
    return { frames };
  },
  [Command.FREE_DATA]: (_req, { conn }) => {
    conn.prepared = undefined;
    return ack();
  },
};
