/**
 * Every error code the product raises, with what it means: the one catalogue. `code` is stable and meant
 * for matching; messages may change. The errors table in docs/operations.md lists each code and the
 * classes that carry it (test/docs/error-catalogue.test.ts keeps the two in step).
 */
export const ERROR_CODES = {
  X05_FRAME: 'bytes that are not a valid ZK frame, pcap or pcapng file',
  X05_RECORD: 'one record or line that cannot be a punch; the rest of its dataset or file stands',
  X05_ENCODE: 'a value that the wire layout it is written into cannot carry',
  X05_TIMEOUT: 'a terminal that did not answer in time',
  X05_REFUSED: 'a terminal or push request that refused or was refused (reply code, comm key, push key)',
  X05_CLOSED: 'a connection that ended while a reply was awaited',
  X05_SESSION: 'a terminal conversation that went wrong: wrong serial, short chunk, lost terminal',
  X05_CONFIG: 'a configuration file, key or value that cannot be used',
  X05_STORE: 'the punch store: LevelDB failures, a store in use by another process',
  X05_DISK_FULL:
    'free space under the floor (store.min_free_mb): new punches are refused and stay on the terminal',
  X05_FRAPPE: 'an answer from Frappe that is not success',
  X05_PAYLOAD: 'an MQTT or HTTP payload that does not match its schema',
  X05_OPS: 'the ops endpoint: cannot bind, cannot be reached, bad request',
  X05_USAGE: 'a command line that cannot run: bad option or argument',
  X05_CONTROL:
    'a signal between parts of the product, never shown to an operator: a retry given up at a stop, a PUBACK held back',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base of every error the product raises. Subclasses carry the context an operator needs to act
 * (device, command, offset, key path …).
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  /** What the operator can do about it, where the error knows better than its code says. */
  readonly hint: string | undefined;
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

/** A value that does not fit the layout an encoder writes: names the layout, the field and the value. */
export class EncodeError extends GatewayError {
  constructor(
    readonly layout: string,
    readonly field: string,
    readonly value: string,
    detail: string,
  ) {
    super('X05_ENCODE', `${layout}: ${field} ${JSON.stringify(value)} ${detail}`);
  }
}
