import { encodeAttlogDataset } from '../../protocol/zk/attlog-dataset.js';
import type { AttlogRecord } from '../../protocol/zk/attlog-record.js';
import { Dataset, type PrepareBufferRequest } from '../../protocol/zk/buffered-read.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import { encodeUserDataset, type UserRecord } from '../../protocol/zk/user-record.js';
import type { DeviceClock } from './device-clock.js';
import type { DeviceProfile } from './options.js';
import { SimulatorOptionError } from './sim-error.js';

/** Capacities of a mid-range TFT terminal (real: 3000 / 10000 / 100000, zk-tcp.md §8). */
const FINGERPRINT_CAPACITY = 3000;
const USER_CAPACITY = 10_000;
const RECORD_CAPACITY = 100_000;

/** 16-byte records carry the user id as a u32 and 8-byte ones only the uid (zk-tcp.md §11.4, §11.5). */
function assertFitsLayout(records: readonly AttlogRecord[], size: DeviceProfile['recordSize']): void {
  if (size !== 16) return;
  const bad = records.find((r) => !/^\d{1,10}$/.test(r.userId) || Number(r.userId) > 0xffffffff);
  if (bad)
    throw new SimulatorOptionError('recordSize', `16-byte records need numeric user ids, not ${bad.userId}`);
}

/** The terminal's state: what it stores and reports. Shared by all connections. */
export class SimDevice {
  /** DISABLEDEVICE clears it, ENABLEDEVICE sets it (the LCD shows "working…" meanwhile, §7). */
  enabled = true;
  private lastSession = 0;
  // encoded up front: a large log takes seconds to encode, longer than a client waits for the 1503 answer
  private readonly attendance: Buffer;
  private readonly userTable: Buffer;

  constructor(
    readonly profile: DeviceProfile,
    readonly users: readonly UserRecord[],
    readonly records: readonly AttlogRecord[],
    readonly clock: DeviceClock,
    private readonly host: string,
  ) {
    assertFitsLayout(records, profile.recordSize);
    this.attendance = encodeAttlogDataset(records, profile.recordSize);
    this.userTable = encodeUserDataset(users);
  }

  get serial(): string {
    return this.profile.serial;
  }

  /** Session ids look like a running counter on real terminals (zk-tcp.md §4); 0 means "none". */
  newSession(): number {
    this.lastSession = (this.lastSession % 0xffff) + 1;
    return this.lastSession;
  }

  /** The dataset a 1503 asks for (zk-tcp.md §9.1, §9.6), or undefined for one this terminal lacks. */
  dataset(req: PrepareBufferRequest): Buffer | undefined {
    if (req.command === Dataset.attendance.command) return this.attendance;
    if (req.command === Dataset.users.command && req.fct === Dataset.users.fct) return this.userTable;
    return undefined;
  }

  /** Values of CMD_OPTIONS_RRQ names (zk-tcp.md §7.1); undefined answers ACK_ERROR. */
  option(name: string): string | undefined {
    const p = this.profile;
    const options: Record<string, string> = {
      '~SerialNumber': p.serial,
      '~DeviceName': p.deviceName,
      '~Platform': p.platform,
      '~ZKFPVersion': '10',
      ZKFaceVersion: '7',
      FaceFunOn: '1',
      MAC: p.mac,
      '~OS': '1',
      '~PIN2Width': '9',
      WorkCode: '0',
      CompatOldFirmware: '0',
      IPAddress: this.host,
      NetMask: '255.255.255.0',
      GATEIPAddress: '0.0.0.0',
    };
    return Object.hasOwn(options, name) ? options[name] : undefined;
  }

  freeSizes(): FreeSizes {
    const users = this.users.length;
    const records = this.records.length;
    // one enrolled finger per user; capacity grows with an oversized demo set instead of going negative
    const fingerprintCapacity = Math.max(FINGERPRINT_CAPACITY, users);
    const userCapacity = Math.max(USER_CAPACITY, users);
    const recordCapacity = Math.max(RECORD_CAPACITY, records);
    return {
      users,
      fingerprints: users,
      records,
      admins: this.users.filter((u) => (u.privilege >> 1) & 7).length,
      passwords: this.users.filter((u) => u.password !== '').length,
      fingerprintCapacity,
      userCapacity,
      recordCapacity,
      fingerprintsRemaining: fingerprintCapacity - users,
      usersRemaining: userCapacity - users,
      recordsRemaining: recordCapacity - records,
    };
  }
}
