import { Argument, type Command, Option } from 'commander';
import type { AdmsCommand } from '../../../protocol/adms/commands.js';
import type { DeviceCommands } from '../../push/index.js';
import { runCommand, UsageError } from '../exit-codes.js';
import type { OpsTarget } from '../ops-client.js';
import { opsUrlOption } from '../options.js';

interface PushCommandOptions extends OpsTarget {
  device: string;
  from?: string;
  to?: string;
  time?: string;
}

const ACTIONS = ['query-attlog', 'check', 'log', 'info', 'reboot', 'set-time', 'list'] as const;
type Action = (typeof ACTIONS)[number];

function commandFor(action: Exclude<Action, 'list'>, o: PushCommandOptions): AdmsCommand {
  switch (action) {
    case 'query-attlog':
      if (!o.from || !o.to) throw new UsageError('query-attlog needs --from and --to (device wall time)');
      return { kind: 'DATA QUERY ATTLOG', start: o.from, end: o.to };
    case 'set-time':
      if (!o.time) throw new UsageError('set-time needs --time (device wall time)');
      return { kind: 'SET TIME', wallTime: o.time };
    default:
      return { kind: action.toUpperCase() as 'CHECK' | 'LOG' | 'INFO' | 'REBOOT' };
  }
}

const line = (c: { id: number; command: AdmsCommand }) =>
  `C:${c.id} ${c.command.kind}${'start' in c.command ? ` ${c.command.start} → ${c.command.end}` : ''}${'wallTime' in c.command ? ` ${c.command.wallTime}` : ''}`;

/**
 * `x05-gateway push-command`: queues a command for a push terminal on the running gateway, which hands it
 * over at the terminal's next `getrequest` poll, or lists what is queued and what terminals answered.
 */
export function registerPushCommand(program: Command): void {
  program
    .command('push-command')
    .description('queue a command for a push (ADMS) terminal on a running gateway, or list them')
    .addArgument(new Argument('<action>', 'what to ask').choices(ACTIONS))
    .requiredOption('--device <serial>', 'terminal serial (one of push.devices)')
    .option('--from <time>', 'query-attlog: first device wall time, "YYYY-MM-DD HH:MM:SS"')
    .option('--to <time>', 'query-attlog: last device wall time')
    .option('--time <time>', 'set-time: the device wall time to set')
    .option('--config <file>', 'site config (YAML); its ops.listen says where the gateway answers')
    .addOption(new Option('--url <url>', opsUrlOption))
    .action(async (action: Action, o: PushCommandOptions) => {
      const { createLogger } = await import('../../ops/log.js');
      const logger = createLogger();
      await runCommand(logger, async () => {
        const { askGateway } = await import('../ops-client.js');
        const reply =
          action === 'list'
            ? await askGateway(o, `/push/commands?device=${encodeURIComponent(o.device)}`)
            : await askGateway(o, '/push/commands', {
                method: 'POST',
                body: { device: o.device, command: commandFor(action, o) },
              });
        if (reply.status === 404 && typeof reply.body === 'string')
          throw new UsageError('the gateway has no push receiver (no push section in its config)');
        if (reply.status >= 400) throw new UsageError((reply.body as { error: string }).error);
        if (action !== 'list') {
          const q = reply.body as { device: string; id: number; command: AdmsCommand };
          process.stdout.write(
            `queued ${line(q)} for ${q.device}; it goes out at the terminal's next poll\n`,
          );
          return;
        }
        const l = reply.body as DeviceCommands;
        const out = [
          ...l.pending.map((c) => `${line(c)}  ${c.sentAt ? `sent ${c.sentAt}` : 'queued'}`),
          ...l.results.map((c) => `${line(c)}  answered Return=${c.result.returnCode} at ${c.doneAt}`),
        ];
        process.stdout.write(`${out.length ? out.join('\n') : `no commands for ${l.device}`}\n`);
      });
    });
}
