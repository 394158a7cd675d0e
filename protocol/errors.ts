/**
 * Base of every error the product raises. `code` is stable and meant for matching; messages may change.
 * Subclasses carry the context an operator needs to act (device, command, offset, key path …).
 */
export type ErrorCode =
  | 'X05_FRAME'
  | 'X05_RECORD'
  | 'X05_TIMEOUT'
  | 'X05_REFUSED'
  | 'X05_CLOSED'
  | 'X05_SESSION'
  | 'X05_CONFIG'
  | 'X05_STORE'
  | 'X05_PUBLISH'
  | 'X05_FRAPPE'
  | 'X05_PAYLOAD'
  | 'X05_OPS'
  | 'X05_USAGE';

export class GatewayError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes that do not form a valid ZK frame. `offset` is the stream offset of the first bad byte. */
export class FrameError extends GatewayError {
  readonly device: string;
  readonly command: number | undefined;
  readonly offset: number;
  /** Up to 32 bytes around the problem, hex. */
  readonly window: string;
  readonly reason: 'magic' | 'length' | 'checksum' | 'truncated' | 'short';
  constructor(init: {
    device?: string;
    command?: number;
    offset: number;
    bytes: Uint8Array;
    reason: FrameError['reason'];
    detail: string;
  }) {
    const device = init.device ?? 'unknown';
    super(
      'X05_FRAME',
      `bad frame from device ${device}${init.command === undefined ? '' : ` (command ${init.command})`} at byte ${init.offset}: ${init.detail}`,
    );
    this.device = device;
    this.command = init.command;
    this.offset = init.offset;
    this.window = Buffer.from(init.bytes.subarray(0, 32)).toString('hex');
    this.reason = init.reason;
  }
}

/** One attendance record that cannot be a real punch (impossible date, unprintable id). The rest of the dataset stands. */
export class RecordError extends GatewayError {
  readonly index: number;
  readonly offset: number;
  readonly recordHex: string;
  constructor(index: number, offset: number, record: Uint8Array, detail: string) {
    super('X05_RECORD', `record ${index} at dataset byte ${offset}: ${detail}`);
    this.index = index;
    this.offset = offset;
    this.recordHex = Buffer.from(record).toString('hex');
  }
}
