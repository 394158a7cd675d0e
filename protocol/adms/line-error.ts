import { GatewayError } from '../errors.js';

/**
 * One text line (push ATTLOG body, USB `*_attlog.dat`, CSV row) that cannot be a punch. Same code as the
 * binary RecordError: one bad record is reported and skipped, the rest of the body or file stands.
 */
export class LineError extends GatewayError {
  /** 1-based line number in the body or file. */
  readonly line: number;
  /** The line as received (latin1, so corrupt bytes survive), at most 120 characters. */
  readonly text: string;
  readonly reason: string;
  constructor(line: number, text: string, reason: string) {
    super('X05_RECORD', `line ${line}: ${reason}`);
    this.line = line;
    this.text = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    this.reason = reason;
  }
}
