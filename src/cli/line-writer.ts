import type { Writable } from 'node:stream';
import { type PunchEvent, punchEventLines } from '../event/index.js';

/**
 * PunchEvent JSON lines to a stream, a batch per write, with one write in flight: the next batch's lines
 * are made while the one before is being written. Lines take one of two memories in turn, each handed back
 * once its write is done, so a long pull neither allocates per batch nor waits on every write.
 */
export class LineWriter {
  private inFlight: Promise<void> = Promise.resolve();
  private readonly spare: ArrayBuffer[] = [];
  private failure: Error | undefined;

  constructor(private readonly out: Writable) {
    // a stream that fails (a full disk, a closed pipe) also emits 'error': taken here and given to the next
    // write or flush, so the pull ends with that error instead of an uncaught exception
    out.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Resolves once the batch's lines are made and the write before them is done; a failed write rejects. */
  async write(events: readonly PunchEvent[]): Promise<void> {
    const bytes = punchEventLines(events, this.spare.pop());
    await this.flush();
    this.inFlight = new Promise<void>((resolve, reject) =>
      this.out.write(bytes, (err) => {
        if (err) return reject(err);
        this.spare.push(bytes.buffer);
        resolve();
      }),
    );
  }

  /** Resolves once every line is written; rejects with the stream's first failure. */
  async flush(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure;
  }
}
