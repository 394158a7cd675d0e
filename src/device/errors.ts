import { GatewayError } from '../../protocol/errors.js';
import { commandLabel } from '../../protocol/zk/commands.js';

/** Context every device-session error carries, so an operator knows which terminal and which step. */
export interface SessionContext {
  device: string;
  command: number;
  replyId: number;
}

const where = (c: SessionContext) => `device ${c.device}, ${commandLabel(c.command)} reply id ${c.replyId}`;

/** The terminal did not answer within the time allowed. */
export class DeviceTimeoutError extends GatewayError {
  readonly device: string;
  readonly command: number;
  readonly replyId: number;
  constructor(
    ctx: SessionContext,
    readonly timeoutMs: number,
    /** Stream offset (bytes received so far) when the wait ran out. */
    readonly offset: number,
  ) {
    super('X05_TIMEOUT', `no answer within ${timeoutMs} ms at byte ${offset} (${where(ctx)})`);
    ({ device: this.device, command: this.command, replyId: this.replyId } = ctx);
  }
}

/** The terminal answered with a refusal (ACK_ERROR, ACK_UNKNOWN, ACK_UNAUTH …). */
export class DeviceRefusedError extends GatewayError {
  readonly device: string;
  readonly command: number;
  readonly replyId: number;
  constructor(
    ctx: SessionContext,
    readonly reply: number,
  ) {
    super('X05_REFUSED', `terminal answered ${commandLabel(reply)} (${where(ctx)})`);
    ({ device: this.device, command: this.command, replyId: this.replyId } = ctx);
  }
}

/** The connection ended (or could not be made) while a command was outstanding. */
export class DeviceClosedError extends GatewayError {
  readonly device: string;
  readonly command: number;
  readonly replyId: number;
  constructor(
    ctx: SessionContext,
    /** Stream offset (bytes received so far) where the connection ended. */
    readonly offset: number,
    detail: string,
    cause?: unknown,
  ) {
    super('X05_CLOSED', `connection closed at byte ${offset}: ${detail} (${where(ctx)})`, { cause });
    ({ device: this.device, command: this.command, replyId: this.replyId } = ctx);
  }
}

/** The terminal answered, but not in a way the protocol allows (short transfer, wrong shape). */
export class DeviceProtocolError extends GatewayError {
  readonly device: string;
  readonly command: number;
  readonly replyId: number;
  constructor(
    ctx: SessionContext,
    readonly offset: number,
    detail: string,
    cause?: unknown,
  ) {
    super('X05_SESSION', `${detail} at byte ${offset} (${where(ctx)})`, { cause });
    ({ device: this.device, command: this.command, replyId: this.replyId } = ctx);
  }
}

/** A terminal whose serial differs from the one configured for its address (a swapped or foreign device). */
export class DeviceIdentityError extends GatewayError {
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
