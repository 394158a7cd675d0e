import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { SimFaults } from './faults.js';

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/**
 * Writes frames in order, at least `paceMs` apart. Real terminals leave a few ms between frames, and
 * node-zklib and zkteco-js only work when they do (zk-tcp §15); with 0 frames go back to back, which
 * is what a correct client must also survive.
 */
export class FrameWriter {
  private queue: Promise<void> = Promise.resolve();
  private lastWrite = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly socket: Socket,
    private readonly paceMs: number,
    private readonly log: () => Logger,
    private readonly faults: SimFaults = {},
  ) {}

  send(frames: readonly Buffer[]): void {
    this.enqueue(async () => {
      if (this.faults.delayMs) await sleep(this.faults.delayMs);
      await this.write(frames);
    });
  }

  /** Half-closes the socket after everything queued so far is written. */
  end(): void {
    this.enqueue(async () => {
      this.socket.end();
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue
      .then(step)
      .catch((err: unknown) => this.log().error({ err }, 'write to client failed'));
  }

  private async write(frames: readonly Buffer[]): Promise<void> {
    // unpaced, an answer's frames leave in one writev, as a terminal's TCP stack sends a burst: written one
    // by one, the client woke for PREPARE_DATA alone and again for its DATA, and a 100,000-punch read took
    // 95–135 ms instead of 50–70 (a chunk's request to the first byte of its answer took 0.8–1.0 ms; to
    // the whole answer it now takes 0.5–0.6)
    if (this.paceMs === 0 && this.faults.dropAfterBytes === undefined && frames.length > 1) {
      if (this.socket.destroyed || this.socket.writableEnded) return;
      this.socket.cork();
      let flowing = true;
      for (const frame of frames) flowing = this.socket.write(frame);
      this.socket.uncork();
      this.lastWrite = performance.now();
      if (!flowing) await drained(this.socket);
      return;
    }
    for (const frame of frames) {
      if (this.socket.destroyed || this.socket.writableEnded) return;
      const wait = this.lastWrite + this.paceMs - performance.now();
      if (wait > 0) await sleep(wait);
      const drop = this.faults.dropAfterBytes;
      if (drop !== undefined && frame.length > drop) {
        // fault switch: the link dies mid-frame (one-shot)
        delete this.faults.dropAfterBytes;
        this.socket.write(frame.subarray(0, drop));
        this.socket.destroySoon();
        return;
      }
      if (drop !== undefined) this.faults.dropAfterBytes = drop - frame.length;
      const flowing = this.socket.write(frame);
      this.lastWrite = performance.now();
      if (!flowing) await drained(this.socket);
    }
  }
}
