import type { Logger } from 'pino';
import { ATTLOG_RECORD_SIZES, type AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import { COMM_KEY_MAX } from '../../protocol/zk/comm-key.js';
import { HEADER_SIZE } from '../../protocol/zk/packet.js';
import { MAX_FRAME_LENGTH } from '../../protocol/zk/tcp-framer.js';
import { parseWallTime, type WallTime, wallTimeProblem } from '../../protocol/zk/time.js';
import type { SimFaults } from './faults.js';
import { SimulatorOptionError } from './sim-error.js';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** `~SerialNumber`; may be '' to stage the empty-serial quirk (zk-tcp §15). */
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
  /** Attendance record layout (zk-tcp §11): 40, 49, 22 (ids ≤ 6 bytes), 16 (numeric ids) or 8. Default 40. */
  recordSize?: number;
  /** Minimum gap between frames sent; node-zklib and zkteco-js need about 5 (zk-tcp §15). Default 0. */
  paceMs?: number;
  /** Largest DATA payload per frame: 65528 (default) or 1008 as on older terminals (zk-tcp §9.4). */
  maxDataPayload?: number;
  /** Device clock minus host local wall clock, seconds. Default 0. */
  clockOffsetS?: number;
  /** Comm key set on the terminal (0…999999, 0 = none): CONNECT answers ACK_UNAUTH until AUTH (zk-tcp §5). */
  commKey?: number;
  /** User record layout (zk-tcp §13): 72 (TCP default) or 28 (old firmware). Default 72. */
  userRecordSize?: number;
  /** Attendance capacity; a full log overwrites its oldest records. Default max(100000, records). */
  recordCapacity?: number;
  /** Fault switches to start with (see faults.ts); also changeable at run time via device.faults. */
  faults?: SimFaults;
  /** Generated punches per second added to the log and sent as realtime events. Default 0 (none). */
  realtimeRate?: number;
  /** Seconds before that punching starts (a quiet start, then a flood). Default 0. */
  realtimeDelayS?: number;
  /** EF_ATTLOG payload length sent (zk-tcp §12): 10, 12, 14, 32, 36, 37 or 52. Default 32. */
  eventLength?: number;
  firmware?: string;
  platform?: string;
  deviceName?: string;
  mac?: string;
  /** Also answer over UDP on the same port (zk-tcp §14). Default false. */
  udp?: boolean;
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
  commKey: number;
  eventLength: EventLength;
  recordCapacity: number | undefined;
  userRecordSize: 28 | 72;
}

export type EventLength = 10 | 12 | 14 | 32 | 36 | 37 | 52;
const EVENT_LENGTHS: readonly number[] = [10, 12, 14, 32, 36, 37, 52];

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: number;
  users: number;
  records: number;
  untilDate: WallTime | undefined;
  dataFile: string | undefined;
  clockOffsetS: number;
  realtimeRate: number;
  realtimeDelayS: number;
  faults: SimFaults;
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

function userRecordSize(value: number | undefined): 28 | 72 {
  const v = value ?? 72;
  if (v !== 28 && v !== 72) throw new SimulatorOptionError('userRecordSize', `${v} is not 28 or 72`);
  return v;
}

function eventLength(value: number | undefined): EventLength {
  const v = value ?? 32;
  if (!EVENT_LENGTHS.includes(v))
    throw new SimulatorOptionError('eventLength', `${v} is not one of ${EVENT_LENGTHS.join(', ')}`);
  return v as EventLength;
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
    // uid is a u16 slot number (zk-tcp §13)
    users: integer('users', o.users, 50, 0, 65534),
    // 1 M punches take about 6 s to generate and encode and 350 MB of heap; far above real capacities (§8)
    records: integer('records', o.records, 2000, 0, 1_000_000),
    untilDate: day(o.untilDate),
    dataFile: o.dataFile,
    clockOffsetS: finite('clockOffsetS', o.clockOffsetS, 0),
    realtimeRate: finite('realtimeRate', o.realtimeRate, 0, 0),
    realtimeDelayS: finite('realtimeDelayS', o.realtimeDelayS, 0, 0),
    faults: { ...o.faults },
    profile: {
      serial: o.serial ?? 'X05SIM000001',
      deviceName: o.deviceName ?? 'X05',
      platform: o.platform ?? 'ZEM600_TFT',
      firmware: o.firmware ?? 'Ver 6.60 Jun 05 2018',
      mac: o.mac ?? '00:17:61:00:00:01',
      recordSize: recordSize as AttlogRecordSize,
      paceMs: finite('paceMs', o.paceMs, 0, 0),
      maxDataPayload: integer('maxDataPayload', o.maxDataPayload, 65528, 1, MAX_FRAME_LENGTH - HEADER_SIZE),
      commKey: integer('commKey', o.commKey, 0, 0, COMM_KEY_MAX),
      eventLength: eventLength(o.eventLength),
      userRecordSize: userRecordSize(o.userRecordSize),
      recordCapacity:
        o.recordCapacity === undefined
          ? undefined
          : integer('recordCapacity', o.recordCapacity, 0, 1, 1_000_000),
    },
  };
}
