import { bufferedReadCommands } from './buffered-read.js';
import { clockCommands } from './clock.js';
import type { CommandTable } from './handler.js';
import { infoCommands } from './info.js';
import { sessionCommands } from './session.js';

export {
  type Answer,
  type CommandContext,
  type CommandHandler,
  type ConnectionState,
  type Frame,
  reply,
} from './handler.js';

/** Every command the simulated terminal answers; anything else gets ACK_UNKNOWN (zk-tcp §6). */
export const commandTable: CommandTable = {
  ...sessionCommands,
  ...infoCommands,
  ...clockCommands,
  ...bufferedReadCommands,
};
