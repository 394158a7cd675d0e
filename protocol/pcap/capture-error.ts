import { GatewayError } from '../errors.js';

/**
 * A capture file that cannot be read: bad magic or block structure, or a record or block running past the
 * end of the file. `offset` is the file offset of the record or block at fault. (Frames of link types the
 * reader does not know are skipped as carrying no IP, not raised.)
 *
 * It reuses the `X05_FRAME` code (bytes that do not form a valid frame, here a capture frame) so the error
 * catalogue stays as it is; `kind` says which layer failed.
 */
export class CaptureError extends GatewayError {
  override readonly hint = 'the file is no whole pcap/pcapng capture (tcpdump -w writes one)';
  readonly file: string;
  readonly offset: number;
  readonly kind: 'format' | 'truncated';
  constructor(init: { file: string; offset: number; kind: CaptureError['kind']; detail: string }) {
    super('X05_FRAME', `capture ${init.file} at byte ${init.offset}: ${init.detail}`);
    this.file = init.file;
    this.offset = init.offset;
    this.kind = init.kind;
  }
}
