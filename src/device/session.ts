import { EncodeError } from '../../protocol/errors.js';
import { type AttlogSlots, inferRecordSize } from '../../protocol/zk/attlog-dataset.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import { Dataset } from '../../protocol/zk/buffered-read.js';
import { cString } from '../../protocol/zk/c-string.js';
import { makeCommKey } from '../../protocol/zk/comm-key.js';
import { Command } from '../../protocol/zk/commands.js';
import { decodeFreeSizes, type FreeSizes } from '../../protocol/zk/free-sizes.js';
import { decodeOptionAnswer, encodeOptionRequest } from '../../protocol/zk/options.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { encodeEventMask } from '../../protocol/zk/realtime-event.js';
import { decodePackedTime, encodeClockData, formatWallTime, parseWallTime } from '../../protocol/zk/time.js';
import { type DecodedUsers, decodeUserTable } from '../../protocol/zk/user-record-28.js';
import { bufferedRead, type ReadProgress } from './buffered-read.js';
import { retryLostDatagrams } from './datagram-retry.js';
import { AuthError, DeviceProtocolError, DeviceRefusedError } from './errors.js';
import type { ReadFlow } from './realtime-intake.js';
import { type ConnectionOptions, ZkTcpConnection } from './tcp-connection.js';

export interface SessionOptions extends ConnectionOptions {
  /** Comm key set on the terminal (zk-tcp §5); only used when CONNECT answers ACK_UNAUTH. */
  commKey?: number;
}

/** A gateway-initiated session with one terminal: connect, ask, read, leave (zk-tcp §5, §9). */
export class DeviceSession {
  private constructor(private readonly conn: ZkTcpConnection) {}

  static async open(opts: SessionOptions): Promise<DeviceSession> {
    const conn = await ZkTcpConnection.open(opts);
    const s = new DeviceSession(conn);
    try {
      await s.connect(opts.commKey);
    } catch (err) {
      conn.close();
      throw err;
    }
    return s;
  }

  get device(): string {
    return this.conn.device;
  }

  /** Names the session after the terminal's serial once known, so later errors and logs carry it. */
  set device(name: string) {
    this.conn.device = name;
  }

  private async connect(commKey: number | undefined): Promise<void> {
    let unauth = false;
    await retryLostDatagrams(this.conn, () =>
      this.conn.request(Command.CONNECT, undefined, (p) => {
        // the session id arrives in the answer's session field, in ACK_UNAUTH too (zk-tcp §4, §5)
        if (p.command !== Command.ACK_OK && p.command !== Command.ACK_UNAUTH)
          throw this.refused(Command.CONNECT, p);
        this.conn.session = p.session;
        unauth = p.command === Command.ACK_UNAUTH;
        return true;
      }),
    );
    if (!unauth) return;
    if (!commKey) throw this.authError(Command.CONNECT, 'key-required', 0);
    await retryLostDatagrams(this.conn, () =>
      this.conn.request(Command.AUTH, makeCommKey(commKey, this.conn.session), (p) => {
        if (p.command === Command.ACK_UNAUTH) throw this.authError(Command.AUTH, 'wrong-key', p.replyId);
        if (p.command !== Command.ACK_OK) throw this.refused(Command.AUTH, p);
        return true;
      }),
    );
  }

  private authError(command: number, reason: AuthError['reason'], replyId: number): AuthError {
    return new AuthError({ device: this.device, command, replyId }, reason, this.conn.frameOffset);
  }

  /** Asks for realtime events (zk-tcp §12); they reach the `onEvent` given at open. */
  async registerEvents(mask: number): Promise<void> {
    await this.ask(Command.REG_EVENT, encodeEventMask(mask));
  }

  /** Pauses and resumes reading the link (realtime backpressure); undefined on UDP. */
  get readFlow(): ReadFlow | undefined {
    return this.conn.readFlow;
  }

  /** The answer every event needs: ACK_OK, our session, reply id 0, no data (§12). */
  ackEvent(): void {
    this.conn.send(Command.ACK_OK, 0);
  }

  /** Sets the device clock (packed time, §10) and makes it take effect with REFRESHDATA (§7). */
  async setTime(wall: string): Promise<void> {
    const w = parseWallTime(wall);
    if (!w) throw new EncodeError('SET_TIME request', 'time', wall, 'is not YYYY-MM-DDTHH:MM:SS');
    await this.ask(Command.SET_TIME, encodeClockData(w));
    await this.ask(Command.REFRESHDATA);
  }

  /**
   * One simple request whose single answer must be ACK_OK; returns its data. Over UDP a lost answer sends
   * the request again: every command the gateway asks this way is safe to repeat (§7).
   */
  async ask(command: number, data?: Uint8Array): Promise<Buffer> {
    let out: Buffer = Buffer.alloc(0);
    await retryLostDatagrams(this.conn, () =>
      this.conn.request(command, data, (p) => {
        if (p.command !== Command.ACK_OK) throw this.refused(command, p);
        out = p.data;
        return true;
      }),
    );
    return out;
  }

  /** An option value such as `~SerialNumber`; may be empty on some firmware (zk-tcp §7.1). */
  async option(name: string): Promise<string> {
    return decodeOptionAnswer(await this.ask(Command.OPTIONS_RRQ, encodeOptionRequest(name))).value;
  }

  async freeSizes(): Promise<FreeSizes> {
    return decodeFreeSizes(await this.ask(Command.GET_FREE_SIZES));
  }

  /** Device wall time as naive text. */
  async deviceTime(): Promise<string> {
    const data = await this.ask(Command.GET_TIME);
    if (data.length < 4) {
      throw new DeviceProtocolError(
        { device: this.device, command: Command.GET_TIME, replyId: 0 },
        this.conn.frameOffset,
        `time answer has ${data.length} bytes`,
      );
    }
    return formatWallTime(decodePackedTime(data.readUInt32LE(0)));
  }

  /**
   * The whole attendance log, not decoded: its record slots and their layout, so the caller decodes a batch
   * of slots at a time (decodeAttlogSlots). The record count only guides layout inference; the read happens
   * even at 0.
   */
  async attendance(opts: {
    count?: number;
    recordSize?: AttlogRecordSize;
    onProgress?: (p: ReadProgress) => void;
    /**
     * Whole slots as they arrive, while the terminal sends the rest: `log` is the whole dataset's layout
     * over its buffer, of which the first `slots` slots are in. The layout is known from the first chunk
     * (the announced size, the count and the first records), so every call has the same one.
     */
    onSlots?: (log: AttlogSlots, slots: number) => void | Promise<void>;
  }): Promise<AttlogSlots> {
    let log: AttlogSlots | undefined;
    const { onSlots } = opts;
    const onArrived =
      onSlots &&
      ((dataset: Buffer, filled: number) => {
        log ??= this.attlogSlots(dataset, opts);
        // an empty dataset has not even the length prefix: no slot
        return onSlots(log, Math.max(0, Math.floor((filled - 4) / log.recordSize)));
      });
    const dataset = await bufferedRead(this.conn, Dataset.attendance, opts.onProgress, onArrived);
    return log ?? this.attlogSlots(dataset, opts);
  }

  /** The record slots of an attendance dataset, once its length prefix and first records are in. */
  private attlogSlots(dataset: Buffer, opts: { count?: number; recordSize?: AttlogRecordSize }): AttlogSlots {
    if (dataset.length === 0) return { recordSize: opts.recordSize ?? 40, recordBytes: dataset };
    const declared = dataset.length >= 4 ? dataset.readUInt32LE(0) : -1;
    if (declared !== dataset.length - 4) {
      throw new DeviceProtocolError(
        { device: this.device, command: Command.PREPARE_BUFFER, replyId: 0 },
        this.conn.frameOffset,
        `dataset says ${declared} record bytes but ${dataset.length - 4} arrived`,
      );
    }
    const recordBytes = dataset.subarray(4);
    return { recordSize: inferRecordSize(recordBytes, opts.count, opts.recordSize), recordBytes };
  }

  /** The user table in whichever layout the terminal uses (72 or 28 bytes, zk-tcp §13). */
  async users(count?: number): Promise<DecodedUsers> {
    const dataset = await bufferedRead(this.conn, Dataset.users);
    if (dataset.length === 0) return { recordSize: 72, users: [], rejected: [] };
    const declared = dataset.length >= 4 ? dataset.readUInt32LE(0) : -1;
    if (declared !== dataset.length - 4) {
      throw new DeviceProtocolError(
        { device: this.device, command: Command.PREPARE_BUFFER, replyId: 0 },
        this.conn.frameOffset,
        `users dataset says ${declared} bytes but ${dataset.length - 4} arrived`,
      );
    }
    return decodeUserTable(dataset.subarray(4), count);
  }

  /** Firmware version text, e.g. `Ver 6.60 Jun 05 2018` (CMD_GET_VERSION, §7). */
  async firmware(): Promise<string> {
    return cString(await this.ask(Command.GET_VERSION));
  }

  /**
   * Runs `work` with the terminal disabled (LCD "working…", no punches taken), as the vendor flow does
   * around large reads (zk-tcp §9.5). ENABLEDEVICE goes first too: a client that died mid-read can leave
   * the terminal disabled with no timeout (§15), and the re-enable in `finally` cannot reach a
   * terminal whose link just dropped — the next connect clears it.
   */
  async whileDisabled<T>(work: () => Promise<T>): Promise<T> {
    await this.ask(Command.ENABLEDEVICE);
    await this.ask(Command.DISABLEDEVICE);
    try {
      return await work();
    } finally {
      await this.ask(Command.ENABLEDEVICE).catch(() => {});
    }
  }

  /** Polite goodbye; the terminal serves one client at a time, so never leave without it. */
  async exit(): Promise<void> {
    try {
      await retryLostDatagrams(this.conn, () => this.conn.request(Command.EXIT, undefined, () => true));
    } finally {
      this.conn.close();
    }
  }

  close(): void {
    this.conn.close();
  }

  private refused(command: number, p: ZkPacket): DeviceRefusedError {
    return new DeviceRefusedError(
      { device: this.device, command, replyId: p.replyId },
      p.command,
      this.conn.frameOffset,
    );
  }
}
