import { ATTLOG_RECORD_SIZES, type AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import { HEADER_SIZE } from '../../protocol/zk/packet.js';
import { MAX_FRAME_LENGTH } from '../../protocol/zk/tcp-framer.js';
import { parseWallTime, type WallTime, wallTimeProblem } from '../../protocol/zk/time.js';
import type { Logger } from '../ops/log.js';
import { SimulatorOptionError } from './sim-error.js';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** `~SerialNumber`; may be '' to stage the empty-serial quirk (zk-tcp.md §15). */
  serial?: string;
  /** Seed of the generated users and punches. Default 1. */
  seed?: number;
  /** Generated users, ids "1001", "1002"… Default 50. */
  users?: number;
  /** Generated punches, at most 1 000 000. Default 2000. */
  records?: number;
  /** Punches are generated on the days before this device date (YYYY-MM-DD). Default: the device's today. */
  untilDate?: string;
  /** JSON file with `users` and/or `records` (see dataset-file.ts); replaces generation. */
  dataFile?: string;
  /** Attendance record layout (zk-tcp.md §11): 40, 16 (numeric user ids only) or 8. Default 40. */
  recordSize?: number;
  /** Minimum gap between frames sent; node-zklib and zkteco-js need about 5 (zk-tcp.md §15). Default 0. */
  paceMs?: number;
  /** Largest DATA payload per frame: 65528 (default) or 1008 as on older terminals (zk-tcp.md §9.4). */
  maxDataPayload?: number;
  /** Device clock minus host local wall clock, seconds. Default 0. */
  clockOffsetS?: number;
  firmware?: string;
  platform?: string;
  deviceName?: string;
  mac?: string;
  /** Default: pino JSON on stderr. */
  logger?: Logger;
}

/** What the terminal reports about itself and how it frames answers. */
export interface DeviceProfile {
  serial: string;
  deviceName: string;
  platform: string;
  firmware: string;
  mac: string;
  recordSize: AttlogRecordSize;
  paceMs: number;
  maxDataPayload: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: number;
  users: number;
  records: number;
  untilDate: WallTime | undefined;
  dataFile: string | undefined;
  clockOffsetS: number;
  profile: DeviceProfile;
}

function integer(option: string, value: number | undefined, fallback: number, min: number, max: number) {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new SimulatorOptionError(option, `${v} is not an integer in ${min}…${max}`);
  return v;
}

function finite(option: string, value: number | undefined, fallback: number, min = -Infinity): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) throw new SimulatorOptionError(option, `${v} is not a number ≥ ${min}`);
  return v;
}

function day(value: string | undefined): WallTime | undefined {
  if (value === undefined) return undefined;
  const w = parseWallTime(`${value}T00:00:00`);
  if (!w || wallTimeProblem(w) || w.year < 2000 || w.year > 2099)
    throw new SimulatorOptionError('untilDate', `${value} is not a date YYYY-MM-DD in 2000…2099`);
  return w;
}

export function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const recordSize = o.recordSize ?? 40;
  if (!ATTLOG_RECORD_SIZES.includes(recordSize as AttlogRecordSize))
    throw new SimulatorOptionError(
      'recordSize',
      `${recordSize} is not one of ${ATTLOG_RECORD_SIZES.join(', ')}`,
    );
  return {
    host: o.host ?? '127.0.0.1',
    port: integer('port', o.port, 0, 0, 65535),
    seed: integer('seed', o.seed, 1, 0, 0xffffffff),
    // uid is a u16 slot number (zk-tcp.md §13)
    users: integer('users', o.users, 50, 0, 65534),
    // 1 M punches take about 6 s to generate and encode and 350 MB of heap; far above real capacities (§8)
    records: integer('records', o.records, 2000, 0, 1_000_000),
    untilDate: day(o.untilDate),
    dataFile: o.dataFile,
    clockOffsetS: finite('clockOffsetS', o.clockOffsetS, 0),
    profile: {
      serial: o.serial ?? 'X05SIM000001',
      deviceName: o.deviceName ?? 'X05',
      platform: o.platform ?? 'ZEM600_TFT',
      firmware: o.firmware ?? 'Ver 6.60 Jun 05 2018',
      mac: o.mac ?? '00:17:61:00:00:01',
      recordSize: recordSize as AttlogRecordSize,
      paceMs: finite('paceMs', o.paceMs, 0, 0),
      maxDataPayload: integer('maxDataPayload', o.maxDataPayload, 65528, 1, MAX_FRAME_LENGTH - HEADER_SIZE),
    },
  };
}
