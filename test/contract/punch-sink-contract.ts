import type { Test } from 'tap';
import type { PunchEvent } from '../../src/event/punch-event.js';
import type { AcceptOptions, AcceptResult, PunchSink, SourceCursor } from '../../src/event/punch-sink.js';
import { PunchStore, StoreError } from '../../src/store/index.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * One way punches reach the gateway (terminal pull, push receiver, file import), driven for real: a
 * simulator over TCP, a simulated push terminal over HTTP, a file on disk. The contract suite below runs
 * against each of them, the way abstract-level's suite runs against every store.
 */
export interface PunchSource {
  /** The ids of every punch the source holds: sha1 of device, user, wall time and punch code. */
  expectedIds: readonly string[];
  /**
   * Runs the source into `sink` until it has nothing more to deliver or the sink refused it; resolves either
   * way (a refusal is the source's to report, as an error status, a 500 or a failed import, not to throw).
   */
  deliver(sink: PunchSink): Promise<void>;
}

/** The real store, refusing the batches numbered in `refuse` (1-based) as a failed disk write would. */
export function refusingSink(store: PunchStore, refuse: ReadonlySet<number>) {
  let calls = 0;
  const refused: Array<{ events: number; cursor: AcceptOptions['cursor'] }> = [];
  const sink: PunchSink = {
    accept(events: readonly PunchEvent[], opts?: AcceptOptions): Promise<AcceptResult> {
      calls++;
      if (refuse.has(calls)) {
        refused.push({ events: events.length, cursor: opts?.cursor });
        return Promise.reject(new StoreError('contract', 'write', 'outbox', new Error('disk write failed')));
      }
      return store.accept(events, opts);
    },
    cursor: (device: string) => store.cursor(device),
  };
  return { sink, refused };
}

async function storedIds(store: PunchStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of store.rawLog()) ids.push(e.id);
  return ids;
}

const sorted = (ids: readonly string[]) => [...ids].sort();

/** The contract every punch source keeps with the sink (src/event/punch-sink.ts). */
export function punchSinkContract(
  t: Test,
  name: string,
  makeSource: (t: Test) => Promise<PunchSource>,
): void {
  const openStore = async (t: Test) => {
    const store = await PunchStore.open(tempDir(t));
    t.teardown(() => store.close());
    return store;
  };

  t.test(`${name}: every punch reaches the sink once, with the id any source gives it`, async (t) => {
    const source = await makeSource(t);
    const store = await openStore(t);
    t.ok(source.expectedIds.length > 100, `${source.expectedIds.length} punches`);
    await source.deliver(store);
    t.same(sorted(await storedIds(store)), sorted(source.expectedIds));
    t.equal(store.outboxDepth, source.expectedIds.length, 'each one queued for publishing once');
  });

  t.test(`${name}: delivering the same punches again stores nothing`, async (t) => {
    const source = await makeSource(t);
    const store = await openStore(t);
    await source.deliver(store);
    await source.deliver(store);
    t.equal((await storedIds(store)).length, source.expectedIds.length);
    t.equal(store.outboxDepth, source.expectedIds.length);
  });

  t.test(`${name}: a refused batch is kept by the source and delivered later, exactly once`, async (t) => {
    const source = await makeSource(t);
    const store = await openStore(t);
    const failing = refusingSink(store, new Set([1]));
    await source.deliver(failing.sink);
    t.equal(failing.refused.length, 1, 'the sink refused one batch');
    const refusedCursor = failing.refused[0]!.cursor;
    if (refusedCursor) {
      const now: SourceCursor | undefined = await store.cursor(refusedCursor.device);
      t.notSame(now, refusedCursor.value, 'the refused batch’s cursor was not stored');
    }
    await source.deliver(store);
    const ids = await storedIds(store);
    t.same(sorted(ids), sorted(source.expectedIds), 'every punch, none twice');
    t.equal(store.outboxDepth, source.expectedIds.length);
  });

  t.test(`${name}: a refusal in the middle loses nothing and stores nothing twice`, async (t) => {
    const source = await makeSource(t);
    const store = await openStore(t);
    const failing = refusingSink(store, new Set([2]));
    await source.deliver(failing.sink);
    t.equal(failing.refused.length, 1, 'the sink refused one batch');
    t.ok(failing.refused[0]!.events > 0, 'a batch of punches, after one already stored');
    await source.deliver(store);
    t.same(sorted(await storedIds(store)), sorted(source.expectedIds));
  });
}
