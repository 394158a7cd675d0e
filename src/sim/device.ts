import { EventEmitter } from 'node:events';
import { encodeAttlogDataset } from '../../protocol/zk/attlog-dataset.js';
import { type AttlogRecord, encodeAttlogRecord } from '../../protocol/zk/attlog-record.js';
import { Dataset, type PrepareBufferRequest } from '../../protocol/zk/buffered-read.js';
import type { FreeSizes } from '../../protocol/zk/free-sizes.js';
import { encodeUserDataset, type UserRecord } from '../../protocol/zk/user-record.js';
import { encodeUserDataset28 } from '../../protocol/zk/user-record-28.js';
import type { DeviceClock } from './device-clock.js';
import type { SimFaults } from './faults.js';
import type { DeviceProfile } from './options.js';
import { SimulatorOptionError } from './sim-error.js';

/** Capacities of a mid-range TFT terminal (real: 3000 / 10000 / 100000, zk-tcp §8). */
const FINGERPRINT_CAPACITY = 3000;
const USER_CAPACITY = 10_000;
const RECORD_CAPACITY = 100_000;

/** 16-byte records carry the user id as a u32 and 8-byte ones only the uid (zk-tcp §11.4, §11.5). */
function assertFitsLayout(records: readonly AttlogRecord[], size: DeviceProfile['recordSize']): void {
  if (size === 22) {
    const long = records.find((r) => Buffer.byteLength(r.userId, 'latin1') > 6);
    if (long)
      throw new SimulatorOptionError(
        'recordSize',
        `22-byte records hold 6-byte user ids, not ${long.userId}`,
      );
    return;
  }
  if (size !== 16) return;
  const bad = records.find((r) => !/^\d{1,10}$/.test(r.userId) || Number(r.userId) > 0xffffffff);
  if (bad)
    throw new SimulatorOptionError('recordSize', `16-byte records need numeric user ids, not ${bad.userId}`);
}

export interface SimDeviceEvents {
  /** A new punch entered the log; connections registered for EF_ATTLOG send it as an event (§12). */
  punch: [record: AttlogRecord];
}

/** The terminal's state: what it stores and reports. Shared by all connections. */
export class SimDevice extends EventEmitter<SimDeviceEvents> {
  /** DISABLEDEVICE clears it, ENABLEDEVICE sets it (the LCD shows "working…" meanwhile, §7). */
  enabled = true;
  users: readonly UserRecord[];
  /** Fault switches, changeable while clients are connected. */
  readonly faults: SimFaults = {};
  /** Client ACK_OKs received for realtime events (zk-tcp §12: the client must answer each). */
  eventAcks = 0;
  /** Datagrams lost on purpose by the `dropEveryNthDatagram` fault. */
  droppedDatagrams = 0;
  private lastSession = 0;
  private readonly log: AttlogRecord[];
  // encoded up front: a large log takes seconds to encode, longer than a client waits for the 1503 answer;
  // kept with room to grow, so a punch appends in place (a flood of punches would otherwise copy the whole
  // log each time), and handed out as a copy a later punch cannot change under a read in progress
  private attendance: Buffer;
  private attendanceLength: number;
  private attendanceSnapshot: Buffer | undefined;
  private userTable: Buffer;

  constructor(
    readonly profile: DeviceProfile,
    users: readonly UserRecord[],
    records: readonly AttlogRecord[],
    readonly clock: DeviceClock,
    private readonly host: string,
  ) {
    super();
    // the old layout has room for 8 name bytes and 5 password bytes: the terminal keeps what fits (§13)
    this.users =
      profile.userRecordSize === 28
        ? users.map((u) => ({ ...u, name: u.name.slice(0, 8), password: u.password.slice(0, 5) }))
        : users;
    assertFitsLayout(records, profile.recordSize);
    this.log = [...records];
    this.attendance = encodeAttlogDataset(records, profile.recordSize);
    this.attendanceLength = this.attendance.length;
    this.userTable = this.encodeUsers();
  }

  // 28-byte users carry a numeric user id (zk-tcp §13); encodeUserRecord28 refuses anything else
  private encodeUsers(): Buffer {
    return this.profile.userRecordSize === 28
      ? encodeUserDataset28(this.users)
      : encodeUserDataset(this.users);
  }

  /**
   * An administrator deleted the user at the terminal: the log keeps their punches under the old uid,
   * which the user list no longer names (what a gateway reading 8-byte records must cope with).
   */
  deleteUser(userId: string): void {
    this.users = this.users.filter((u) => u.userId !== userId);
    this.userTable = this.encodeUsers();
  }

  /** The attendance log, oldest first. */
  get records(): readonly AttlogRecord[] {
    return this.log;
  }

  /** A finger touched the sensor: the punch joins the log and goes out as a realtime event. */
  addPunch(record: AttlogRecord): void {
    assertFitsLayout([record], this.profile.recordSize);
    const size = this.profile.recordSize;
    if (this.attendanceLength + size > this.attendance.length) {
      const bigger = Buffer.alloc(Math.max(2 * this.attendance.length, this.attendanceLength + size));
      this.attendance.copy(bigger, 0, 0, this.attendanceLength);
      this.attendance = bigger;
    }
    encodeAttlogRecord(record, size).copy(this.attendance, this.attendanceLength);
    this.attendanceLength += size;
    this.attendance.writeUInt32LE(this.attendanceLength - 4, 0);
    this.attendanceSnapshot = undefined;
    this.log.push(record);
    // a full log overwrites its oldest records: the count stays at capacity (log wrap)
    if (this.log.length > this.recordCapacity) this.dropOldest(this.log.length - this.recordCapacity);
    this.emit('punch', record);
  }

  /**
   * Drops the oldest `n` records (a full log overwriting its start) or, with no argument, all of them
   * (CLEAR_ATTLOG from the menu): what incremental sync must notice (zk-tcp §7, §8).
   */
  dropOldest(n = this.log.length): void {
    this.log.splice(0, n);
    this.attendance = encodeAttlogDataset(this.log, this.profile.recordSize);
    this.attendanceLength = this.attendance.length;
    this.attendanceSnapshot = undefined;
  }

  get serial(): string {
    return this.profile.serial;
  }

  /** Session ids look like a running counter on real terminals (zk-tcp §4); 0 means "none". */
  newSession(): number {
    this.lastSession = (this.lastSession % 0xffff) + 1;
    return this.lastSession;
  }

  /** The dataset a 1503 asks for (zk-tcp §9.1, §9.6), or undefined for one this terminal lacks. */
  dataset(req: PrepareBufferRequest): Buffer | undefined {
    if (req.command === Dataset.attendance.command) {
      this.attendanceSnapshot ??= Buffer.from(this.attendance.subarray(0, this.attendanceLength));
      return this.attendanceSnapshot;
    }
    if (req.command === Dataset.users.command && req.fct === Dataset.users.fct) return this.userTable;
    return undefined;
  }

  /** Values of CMD_OPTIONS_RRQ names (zk-tcp §7.1); undefined answers ACK_ERROR. */
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

  get recordCapacity(): number {
    return this.profile.recordCapacity ?? Math.max(RECORD_CAPACITY, this.log.length);
  }

  freeSizes(): FreeSizes {
    const users = this.users.length;
    const records = this.log.length;
    // one enrolled finger per user; capacity grows with an oversized demo set instead of going negative
    const fingerprintCapacity = Math.max(FINGERPRINT_CAPACITY, users);
    const userCapacity = Math.max(USER_CAPACITY, users);
    const recordCapacity = this.recordCapacity;
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
