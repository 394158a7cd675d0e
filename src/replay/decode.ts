import { createHash } from 'node:crypto';
import { decodeAttlogRecords, slotHex } from '../../protocol/zk/attlog-dataset.js';
import {
  BUFFER_SIZE_ANSWER_LENGTH,
  decodeBufferSize,
  decodePrepareBuffer,
  decodePrepareData,
} from '../../protocol/zk/buffered-read.js';
import { Command, commandLabel } from '../../protocol/zk/commands.js';
import { decodeFreeSizes } from '../../protocol/zk/free-sizes.js';
import type { ZkPacket } from '../../protocol/zk/packet.js';
import { decodeRealtimeAttlog, EventFlag } from '../../protocol/zk/realtime-event.js';
import { decodeUserRecords } from '../../protocol/zk/user-record.js';
import type { TimelineEntry } from './timeline.js';

/** One JSON line of `x05-gateway replay`. */
export type ReplayLine = Record<string, unknown> & { kind: string };

const DATA_HEX_MAX = 64;

/**
 * Follows a captured session frame by frame and says what each frame is: the command and reply id, the
 * answer it belongs to, and, once a bulk read is complete, every record it carried; realtime events are
 * decoded where they arrive. Works from the bytes alone, so it also reads sessions of other clients.
 */
export class SessionDecoder {
  /** Requests by reply id, so answers can be named. */
  private readonly requests = new Map<number, number>();
  private dataset:
    | { kind: 'attendance' | 'users' | 'other'; size: number | undefined; parts: Buffer[]; have: number }
    | undefined;
  private recordCount: number | undefined;

  decode(e: TimelineEntry): ReplayLine[] {
    if (e.error)
      return [
        {
          kind: 'frame-error',
          from: e.from,
          offset: e.offset,
          reason: e.error.reason,
          message: e.error.message,
          window: e.error.window,
        },
      ];
    const p = e.packet!;
    const line: ReplayLine = {
      kind: 'frame',
      from: e.from,
      offset: e.offset,
      command: commandLabel(p.command),
      session: p.session,
      replyId: p.replyId,
      dataLength: p.data.length,
      data: p.data.subarray(0, DATA_HEX_MAX).toString('hex') + (p.data.length > DATA_HEX_MAX ? '…' : ''),
    };
    if (e.from === 'client') {
      if (!(p.command === Command.ACK_OK && p.replyId === 0)) this.requests.set(p.replyId, p.command);
      this.onRequest(p);
      return [line];
    }
    const request = this.requests.get(p.replyId);
    if (p.command === Command.REG_EVENT && p.replyId === 0) return [line, ...this.event(p)];
    if (request !== undefined) line.answers = commandLabel(request);
    return [line, ...this.onAnswer(p, request)];
  }

  private onRequest(p: ZkPacket): void {
    if (p.command !== Command.PREPARE_BUFFER) return;
    try {
      const r = decodePrepareBuffer(p.data);
      const kind =
        r.command === Command.ATTLOG_RRQ
          ? 'attendance'
          : r.command === Command.USERTEMP_RRQ
            ? 'users'
            : 'other';
      this.dataset = { kind, size: undefined, parts: [], have: 0 };
    } catch {
      this.dataset = undefined;
    }
  }

  private onAnswer(p: ZkPacket, request: number | undefined): ReplayLine[] {
    if (request === Command.GET_FREE_SIZES && p.command === Command.ACK_OK) {
      this.recordCount = decodeFreeSizes(p.data).records;
      return [];
    }
    // a capture that starts mid-session (or holds only the device side) still shows its bulk data
    if (!this.dataset && p.command === Command.PREPARE_DATA)
      this.dataset = { kind: 'other', size: decodePrepareData(p.data).length, parts: [], have: 0 };
    const ds = this.dataset;
    if (!ds) return [];
    if (request === Command.PREPARE_BUFFER) {
      if (p.command === Command.ACK_OK && p.data.length >= BUFFER_SIZE_ANSWER_LENGTH) {
        ds.size = decodeBufferSize(p.data).size;
        return [];
      }
      // small datasets come inline as one DATA answer (zk-tcp §9.2)
      if (p.command === Command.DATA) return this.finish(p.data);
    }
    if ((request === Command.READ_BUFFER || ds.kind === 'other') && p.command === Command.DATA) {
      ds.parts.push(p.data);
      ds.have += p.data.length;
      if (ds.size !== undefined && ds.have >= ds.size) return this.finish(Buffer.concat(ds.parts, ds.have));
    }
    return [];
  }

  private finish(dataset: Buffer): ReplayLine[] {
    const ds = this.dataset!;
    this.dataset = undefined;
    const sha256 = createHash('sha256').update(dataset).digest('hex');
    const head: ReplayLine = { kind: 'dataset', dataset: ds.kind, bytes: dataset.length, sha256 };
    if (dataset.length < 4 || ds.kind === 'other') return [head];
    const records = dataset.subarray(4, 4 + dataset.readUInt32LE(0));
    if (ds.kind === 'users') {
      const users = decodeUserRecords(records);
      return [{ ...head, count: users.length }, ...users.map((u) => ({ kind: 'user', ...u }))];
    }
    const log = decodeAttlogRecords(records, this.recordCount);
    return [
      { ...head, recordSize: log.recordSize, count: log.records.length, rejected: log.rejected.length },
      ...log.records.map((r) => ({ kind: 'record', ...r, raw: slotHex(log, r.index) })),
      ...log.rejected.map((err) => ({
        kind: 'rejected',
        index: err.index,
        offset: err.offset,
        message: err.message,
        recordHex: err.recordHex,
      })),
    ];
  }

  private event(p: ZkPacket): ReplayLine[] {
    if (p.session !== EventFlag.ATTLOG)
      return [{ kind: 'event', code: p.session, data: p.data.toString('hex') }];
    try {
      const { raw, ...ev } = decodeRealtimeAttlog(p.data);
      return [{ kind: 'event', code: p.session, ...ev, raw: raw.toString('hex') }];
    } catch (err) {
      return [
        {
          kind: 'event-error',
          code: p.session,
          message: (err as Error).message,
          data: p.data.toString('hex'),
        },
      ];
    }
  }
}
