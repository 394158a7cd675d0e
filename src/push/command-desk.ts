import { z } from 'zod';
import type { AdmsCommand } from '../../protocol/adms/commands.js';
import { GatewayError } from '../../protocol/errors.js';
import { parseWallTime, wallTimeProblem } from '../../protocol/zk/time.js';
import type { CommandOutcome, QueuedCommand } from './command-queue.js';
import type { PushServer } from './push-server.js';

const wallTime = z.string().refine(
  (s) => {
    const w = parseWallTime(s);
    return w !== undefined && wallTimeProblem(w) === undefined;
  },
  { message: 'expected a real device wall time, YYYY-MM-DD HH:MM:SS' },
);

/** What an operator may ask a push terminal to do; anything else (Shell, CLEAR …) has no spelling here. */
const CommandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('DATA QUERY ATTLOG'), start: wallTime, end: wallTime }).strict(),
  z.object({ kind: z.literal('CHECK') }).strict(),
  z.object({ kind: z.literal('LOG') }).strict(),
  z.object({ kind: z.literal('INFO') }).strict(),
  z.object({ kind: z.literal('REBOOT') }).strict(),
  z.object({ kind: z.literal('SET TIME'), wallTime }).strict(),
]);

export const CommandRequestSchema = z.object({ device: z.string().min(1), command: CommandSchema }).strict();
export type CommandRequest = z.infer<typeof CommandRequestSchema>;

export interface DeviceCommands {
  device: string;
  pending: readonly QueuedCommand[];
  results: readonly CommandOutcome[];
}

/** Why a command request was not queued: the field (`device`, `command.start` …) and the reason. */
export class CommandRequestError extends GatewayError {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly status: 400 | 404,
  ) {
    super('X05_OPS', `${field}: ${reason}`);
  }
}

/**
 * The operator's side of the push command queue: checks a request (known serial, a command that exists,
 * real times) before it reaches a terminal, which would answer a bad one only with an error code later.
 */
export class CommandDesk {
  constructor(private readonly push: Pick<PushServer, 'commands' | 'device'>) {}

  queue(body: unknown): { device: string; id: number; command: AdmsCommand } {
    const parsed = CommandRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CommandRequestError(issue.path.join('.') || 'body', issue.message, 400);
    }
    const { device, command } = parsed.data;
    this.known(device);
    if (command.kind === 'DATA QUERY ATTLOG' && command.start > command.end)
      throw new CommandRequestError('command.end', 'is before command.start', 400);
    return { device, id: this.push.commands.enqueue(device, command), command };
  }

  list(device: string): DeviceCommands {
    this.known(device);
    return {
      device,
      pending: this.push.commands.pending(device),
      results: this.push.commands.results(device),
    };
  }

  private known(device: string): void {
    if (this.push.device(device) === undefined)
      throw new CommandRequestError('device', `${device} is not in push.devices`, 404);
  }
}
