import { EncodeError } from '../errors.js';
import { decodePackedTime, encodePackedTime, formatWallTime, parseWallTime } from '../zk/time.js';

/**
 * The command channel (adms-push §6): `getrequest` replies carry `C:<id>:<command>` lines, results come
 * back on `devicecmd` as `ID=<id>&Return=<code>&CMD=<word>`. Only the commands below exist here: `Shell`,
 * `PutFile`, `GetFile`, `CLEAR DATA`/`CLEAR LOG` and server redirection are deliberately not expressible
 * (§6.2, §8: whoever controls the server controls the terminal).
 */

export type AdmsCommand =
  /** Re-upload punches in a device-local time range on normal ATTLOG posts (§6.2). */
  | { kind: 'DATA QUERY ATTLOG'; start: string; end: string }
  /** Re-run the handshake: re-reads TimeZone and stamps (after a DST change, §7). */
  | { kind: 'CHECK' }
  /** Upload new data now. */
  | { kind: 'LOG' }
  /** Post the option file and counts to devicecmd. */
  | { kind: 'INFO' }
  | { kind: 'REBOOT' }
  /**
   * Set the terminal clock to a device-local wall time, as the packed time the stamps use (§4.3). The
   * Attendance syntax is the singular `SET OPTION` (§6.2); in push mode the clock also follows our `Date`
   * header on every poll (§7), so this is for devices whose `Date` sync is switched off.
   */
  | { kind: 'SET TIME'; wallTime: string };

function spaced(wall: string): string {
  if (!parseWallTime(wall))
    throw new EncodeError('ADMS command', 'wallTime', wall, 'is not YYYY-MM-DD HH:MM:SS');
  return wall.replace('T', ' ');
}

/** Packed time, the same encoding as TCP record times (adms-push §4.3): 2024-05-06 08:01:15 → 782553675. */
export function packWallTime(wall: string): number {
  const w = parseWallTime(wall);
  if (!w) throw new EncodeError('packed time', 'wallTime', wall, 'is not YYYY-MM-DD HH:MM:SS');
  return encodePackedTime(w);
}

export function unpackWallTime(packed: number): string {
  return formatWallTime(decodePackedTime(packed)).replace('T', ' ');
}

export function commandText(c: AdmsCommand): string {
  switch (c.kind) {
    case 'DATA QUERY ATTLOG':
      return `DATA QUERY ATTLOG StartTime=${spaced(c.start)}\tEndTime=${spaced(c.end)}`;
    case 'SET TIME':
      return `SET OPTION DateTime=${packWallTime(c.wallTime)}`;
    default:
      return c.kind;
  }
}

/** `C:<id>:<command>` (§6.1). */
export function encodeCommandLine(id: number, c: AdmsCommand): string {
  return `C:${id}:${commandText(c)}`;
}

/**
 * A `getrequest` reply line as the terminal reads it (the simulator's side). Unknown commands come back as
 * `{ id, text }` with `command` undefined; the terminal answers them `Return=-22` (§6.1).
 */
export function parseCommandLine(
  line: string,
): { id: number; text: string; command?: AdmsCommand } | undefined {
  const m = /^C:(\d+):\s*(.*)$/.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  const id = Number(m[1]);
  const text = m[2]!;
  const q = /^DATA QUERY ATTLOG StartTime=(.+?)\tEndTime=(.+)$/.exec(text);
  if (q) return { id, text, command: { kind: 'DATA QUERY ATTLOG', start: q[1]!, end: q[2]! } };
  const st = /^SET OPTION DateTime=(\d+)$/.exec(text);
  if (st) return { id, text, command: { kind: 'SET TIME', wallTime: unpackWallTime(Number(st[1])) } };
  if (text === 'CHECK' || text === 'LOG' || text === 'INFO' || text === 'REBOOT')
    return { id, text, command: { kind: text } };
  return { id, text };
}

/** One `devicecmd` result (§6.3). */
export interface DeviceCommandResult {
  id: number;
  /** 0 ok; negative failure (-1 no data / unsupported, -22 unknown command, -1002 bad syntax …). */
  returnCode: number;
  /** The command word, e.g. `DATA`, `CHECK`, `INFO`. */
  cmd: string;
  /** Lines after a multi-line result (INFO's option lines). */
  content: string[];
}

export function encodeDeviceCommandResult(r: DeviceCommandResult): string {
  return [`ID=${r.id}&Return=${r.returnCode}&CMD=${r.cmd}`, ...r.content].join('\n');
}

/** Results batched in one POST; lines that are not `ID=…` belong to the result before them. */
export function parseDeviceCommandResults(body: string): DeviceCommandResult[] {
  const out: DeviceCommandResult[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('ID=')) {
      const p = new URLSearchParams(line);
      const id = Number(p.get('ID'));
      if (!Number.isInteger(id)) continue;
      out.push({
        id,
        returnCode: Number(p.get('Return') ?? Number.NaN),
        cmd: p.get('CMD') ?? '',
        content: [],
      });
    } else out.at(-1)?.content.push(line);
  }
  return out;
}
