import { type DecodedAttlog, decodeAttlogRecords } from '../../protocol/zk/attlog-dataset.js';
import type { AttlogRecordSize } from '../../protocol/zk/attlog-record.js';
import { Dataset } from '../../protocol/zk/buffered-read.js';
import { Command } from '../../protocol/zk/commands.js';
import { decodeFreeSizes, type FreeSizes } from '../../protocol/zk/free-sizes.js';
import { decodeOptionAnswer, encodeOptionRequest } from '../../protocol/zk/options.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { decodePackedTime, formatWallTime } from '../../protocol/zk/time.js';
import { bufferedRead, type ReadProgress } from './buffered-read.js';
import { DeviceProtocolError, DeviceRefusedError } from './errors.js';
import { type ConnectionOptions, ZkTcpConnection } from './tcp-connection.js';

export type SessionOptions = Omit<ConnectionOptions, 'onEvent'>;

/** A gateway-initiated session with one terminal: connect, ask, read, leave (zk-tcp.md §5, §9). */
export class DeviceSession {
  private constructor(private readonly conn: ZkTcpConnection) {}

  static async open(opts: SessionOptions): Promise<DeviceSession> {
    const conn = await ZkTcpConnection.open(opts);
    const s = new DeviceSession(conn);
    try {
      await s.connect();
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

  private async connect(): Promise<void> {
    await this.conn.request(Command.CONNECT, undefined, (p) => {
      // the session id arrives in the answer's session field (zk-tcp.md §4)
      if (p.command !== Command.ACK_OK) throw this.refused(Command.CONNECT, p);
      this.conn.session = p.session;
      return true;
    });
  }

  /** One simple request whose single answer must be ACK_OK; returns its data. */
  async ask(command: number, data?: Uint8Array): Promise<Buffer> {
    let out: Buffer = Buffer.alloc(0);
    await this.conn.request(command, data, (p) => {
      if (p.command !== Command.ACK_OK) throw this.refused(command, p);
      out = p.data;
      return true;
    });
    return out;
  }

  /** An option value such as `~SerialNumber`; may be empty on some firmware (zk-tcp.md §7.1). */
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

  /** The whole attendance log. The record count only guides layout inference; the read happens even at 0. */
  async attendance(opts: {
    count?: number;
    recordSize?: AttlogRecordSize;
    onProgress?: (p: ReadProgress) => void;
  }): Promise<DecodedAttlog> {
    const dataset = await bufferedRead(this.conn, Dataset.attendance, opts.onProgress);
    if (dataset.length === 0) return { recordSize: opts.recordSize ?? 40, records: [], rejected: [] };
    const declared = dataset.length >= 4 ? dataset.readUInt32LE(0) : -1;
    if (declared !== dataset.length - 4) {
      throw new DeviceProtocolError(
        { device: this.device, command: Command.PREPARE_BUFFER, replyId: 0 },
        this.conn.frameOffset,
        `dataset says ${declared} record bytes but ${dataset.length - 4} arrived`,
      );
    }
    return decodeAttlogRecords(dataset.subarray(4), opts.count, opts.recordSize);
  }

  /** Polite goodbye; the terminal serves one client at a time, so never leave without it. */
  async exit(): Promise<void> {
    try {
      await this.conn.request(Command.EXIT, undefined, () => true);
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
