import type { AdmsCommand, DeviceCommandResult } from '../../protocol/adms/commands.js';

export interface QueuedCommand {
  id: number;
  command: AdmsCommand;
  queuedAt: Date;
  sentAt?: Date;
}

export interface CommandOutcome extends QueuedCommand {
  result: DeviceCommandResult;
  doneAt: Date;
}

/**
 * Per-terminal command queue for `getrequest` (adms-push §6). A command goes out once, on the next
 * poll, and stays pending until its `devicecmd` result arrives. It is not re-sent: REBOOT or a re-query
 * run twice would do harm, and the terminal itself keeps results until we answered them (§6.3).
 */
export class CommandQueue {
  private nextId = new Map<string, number>();
  private readonly queued = new Map<string, QueuedCommand[]>();
  private readonly done = new Map<string, CommandOutcome[]>();

  enqueue(serial: string, command: AdmsCommand): number {
    const id = this.nextId.get(serial) ?? 1;
    this.nextId.set(serial, id + 1);
    const list = this.queued.get(serial) ?? [];
    list.push({ id, command, queuedAt: new Date() });
    this.queued.set(serial, list);
    return id;
  }

  /** Commands not sent yet, marked as sent now. */
  take(serial: string): QueuedCommand[] {
    const out = (this.queued.get(serial) ?? []).filter((c) => !c.sentAt);
    const now = new Date();
    for (const c of out) c.sentAt = now;
    return out;
  }

  /** Sent or queued, no result yet. */
  pending(serial: string): readonly QueuedCommand[] {
    return this.queued.get(serial) ?? [];
  }

  /** Records a result; a re-posted result (same id) is ignored (§6.3: handle idempotently by SN and ID). */
  complete(serial: string, result: DeviceCommandResult): CommandOutcome | undefined {
    const list = this.queued.get(serial) ?? [];
    const i = list.findIndex((c) => c.id === result.id);
    if (i < 0) return undefined;
    const [cmd] = list.splice(i, 1);
    const outcome: CommandOutcome = { ...cmd!, result, doneAt: new Date() };
    const done = this.done.get(serial) ?? [];
    done.push(outcome);
    // results are for operators and tests; keep the last hundred per terminal
    if (done.length > 100) done.shift();
    this.done.set(serial, done);
    return outcome;
  }

  results(serial: string): readonly CommandOutcome[] {
    return this.done.get(serial) ?? [];
  }
}
