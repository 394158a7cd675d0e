import { type ErrorCode, GatewayError } from '../../protocol/errors.js';
import { commandLabel } from '../../protocol/zk/commands.js';

/** Context every device-session error carries, so an operator knows which terminal and which step. */
export interface SessionContext {
  device: string;
  command: number;
  replyId: number;
}

/** Base of the session errors: device, command, reply id and the stream offset where it happened. */
abstract class DeviceError extends GatewayError {
  readonly device: string;
  readonly command: number;
  readonly replyId: number;
  constructor(
    code: ErrorCode,
    ctx: SessionContext,
    /** Stream offset (bytes received from the terminal) of the frame or point where it went wrong. */
    readonly offset: number,
    detail: string,
    cause?: unknown,
  ) {
    super(code, `${detail} (device ${ctx.device}, ${commandLabel(ctx.command)} reply id ${ctx.replyId})`, {
      cause,
    });
    this.device = ctx.device;
    this.command = ctx.command;
    this.replyId = ctx.replyId;
  }
}

/** The terminal did not answer within the time allowed. */
export class DeviceTimeoutError extends DeviceError {
  constructor(
    ctx: SessionContext,
    readonly timeoutMs: number,
    offset: number,
  ) {
    super('X05_TIMEOUT', ctx, offset, `no answer within ${timeoutMs} ms at byte ${offset}`);
  }
}

/** The terminal answered with a refusal (ACK_ERROR, ACK_UNKNOWN, ACK_UNAUTH …). */
export class DeviceRefusedError extends DeviceError {
  constructor(
    ctx: SessionContext,
    readonly reply: number,
    offset = 0,
  ) {
    super('X05_REFUSED', ctx, offset, `terminal answered ${commandLabel(reply)}`);
  }
}

/**
 * A second request on a connection that still waits for an answer. Terminals answer one request at a
 * time and match answers by reply id, so this is a fault in the caller, refused before anything is sent.
 */
export class RequestOverlapError extends DeviceError {
  constructor(
    ctx: SessionContext,
    readonly outstanding: number,
  ) {
    super('X05_SESSION', ctx, 0, `request sent while ${commandLabel(outstanding)} is outstanding`);
  }
}

/** The connection ended (or could not be made) while a command was outstanding. */
export class DeviceClosedError extends DeviceError {
  constructor(ctx: SessionContext, offset: number, detail: string, cause?: unknown) {
    super('X05_CLOSED', ctx, offset, `connection closed at byte ${offset}: ${detail}`, cause);
  }
}

/** The terminal answered, but not in a way the protocol allows (short transfer, wrong shape, bad frame). */
export class DeviceProtocolError extends DeviceError {
  constructor(ctx: SessionContext, offset: number, detail: string, cause?: unknown) {
    super('X05_SESSION', ctx, offset, `${detail} at byte ${offset}`, cause);
  }
}

/**
 * A 1504 chunk whose data did not add up to the length asked for: ACK_OK came early, or DATA ran past the
 * end. Over UDP that is a lost (or repeated) datagram and the chunk is asked for again (zk-tcp §14);
 * over TCP it is a protocol fault.
 */
export class IncompleteChunkError extends DeviceProtocolError {
  constructor(
    ctx: SessionContext,
    offset: number,
    /** Where the chunk starts in the dataset, and how many bytes were asked for and arrived. */
    readonly chunkOffset: number,
    readonly expected: number,
    readonly received: number,
  ) {
    super(
      ctx,
      offset,
      received > expected
        ? `DATA overruns the chunk at dataset offset ${chunkOffset} (${received} of ${expected} bytes)`
        : `chunk at dataset offset ${chunkOffset} ended after ${received} of ${expected} bytes`,
    );
  }
}

/** A terminal whose serial differs from the one configured for its address (a swapped or foreign device). */
export class DeviceIdentityError extends GatewayError {
  override readonly hint =
    'another terminal now has that address: fix its host (or discover list) or serial in the config';
  constructor(
    readonly address: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(
      'X05_SESSION',
      `terminal at ${address} has serial ${found}, config expects ${expected}; its punches are refused`,
    );
  }
}

/**
 * A terminal lost at its address was not found among its `discover` candidates either. `cause` is the
 * failure at the last known address; `others` lists the terminals that did answer (host → serial).
 */
export class DeviceNotFoundError extends GatewayError {
  constructor(
    readonly serial: string,
    readonly address: string,
    readonly probed: number,
    readonly others: Record<string, string>,
    cause: unknown,
  ) {
    const seen = Object.entries(others).map(([host, s]) => `${host}=${s}`);
    super(
      'X05_SESSION',
      `terminal ${serial} lost at ${address} and not found among ${probed} discover addresses` +
        (seen.length > 0 ? ` (other terminals: ${seen.join(', ')})` : ''),
      { cause },
    );
  }
}

/**
 * Comm-key login failed (zk-tcp §5): the terminal answered ACK_UNAUTH to CONNECT and no key is configured,
 * or to CMD_AUTH (a wrong key). Code X05_REFUSED: the terminal refused; `reason` says which case.
 */
export class AuthError extends DeviceError {
  override readonly hint =
    "give the terminal's comm key: --comm-key, X05_COMM_KEY, or comm_key in the config";
  constructor(
    ctx: SessionContext,
    readonly reason: 'key-required' | 'wrong-key',
    offset: number,
  ) {
    super(
      'X05_REFUSED',
      ctx,
      offset,
      reason === 'key-required'
        ? 'terminal has a comm key set; configure comm_key for it'
        : 'terminal refused the comm key (ACK_UNAUTH to CMD_AUTH); check comm_key',
    );
  }
}
