import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AbstractIteratorOptions, AbstractSublevel } from 'abstract-level';
import type { IteratorOptions } from 'classic-level';
import { Level } from 'level';
import type { AcceptOptions, AcceptResult, PunchEvent, PunchSink, SourceCursor } from '../event/index.js';
import { DEFAULT_TIME_BOUNDS, implausibleTime, type TimeBounds } from '../event/index.js';
import { DiskGuard, type DiskUsage, diskUsage } from './disk.js';
import { HandedOut } from './handed-out.js';
import { moveFormerSublevels, SUBLEVELS } from './layout.js';
import { parseQuarterKey, quarterKey, type RecentCounts, RecentIntake } from './recent-intake.js';
import { type WriteFailure, WriteRecovery } from './recovery.js';
import { DEFAULT_RETENTION, type PruneResult, prune, type RetentionPolicy } from './retention.js';
import { StoreError, StoreRecoveringError } from './store-error.js';

/** What the store took from one device since it was opened: for metrics and `x05-gateway status`. */
export interface DeviceIntake {
  stored: number;
  duplicates: number;
  /**
   * Of the stored ones, punches whose time cannot be real (time bounds): kept and published like any other,
   * the forwarder parks them; counted here so the site sees a terminal with a reset or forged clock.
   */
  implausible: number;
  /** Newest device wall time among the stored punches (`YYYY-MM-DD HH:MM:SS`, device zone). */
  lastPunch: string | undefined;
  /** Gateway time the newest punch was stored, ms. */
  lastStoredAt: number | undefined;
}

export interface OutboxEntry {
  key: string;
  /** The punch's `device_id` (its topic). */
  device: string;
  /** The PunchEvent's JSON as stored: published as it is, not serialised again. */
  payload: string;
  /** Times the broker acknowledged it so far without a confirmation following (0: still queued). */
  attempts: number;
  /** For a sent entry: when it is due to go out again (ms), which is also its place in the resend order. */
  dueAt?: number | undefined;
}

/** A publish the broker acknowledged: the entry waits for its confirmation until `dueAt`, then goes out again. */
export interface SentMark {
  entry: OutboxEntry;
  dueAt: number;
}

/** What one confirmation message did to the outbox. */
export interface ConfirmResult {
  /** Entries removed: Frappe holds these punches. */
  confirmed: number;
  /** Ids this store has no unconfirmed entry for (confirmed before, or never stored here). */
  unknown: number;
  /** Ids of punches of another device than the confirmation's topic names: ignored. */
  foreign: number;
}

/** Unconfirmed punches of one device: how many, and since when the oldest waits. */
export interface UnconfirmedDevice {
  device: string;
  count: number;
  /** Gateway time the oldest unconfirmed punch was stored, ms. */
  oldestStoredAt: number | undefined;
}

type Db = Level<string, string>;
interface Compactable {
  compactRange(start: string, end: string): Promise<void>;
}
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, string>;
type OutboxIteratorOptions = AbstractIteratorOptions<string, string> &
  Pick<IteratorOptions<string, string>, 'fillCache'>;

/** Fixed-width sequence numbers sort the same as text and as numbers. */
const seqKey = (n: number) => String(n).padStart(16, '0');
/** Fixed-width ms timestamps, for the resend order. */
const dueStamp = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
/** Device ids are printable (bounded at every ingress), so NUL separates them from the sequence. */
const pendingKey = (device: string, key: string) => `${device}\u0000${key}`;

function deviceOf(payload: string): string {
  return (JSON.parse(payload) as PunchEvent).device_id;
}

/**
 * A `sent` value is `dueAt|attempts|device` (the device last: it may hold a `|`). The payload stays where
 * it was first written, in the raw log under the same sequence key: a sent mark is a few bytes, not a copy.
 */
const sentValue = (dueAt: number, attempts: number, device: string) =>
  `${dueStamp(dueAt)}|${attempts}|${device}`;

function parseSent(value: string): { dueStamp: string; attempts: number; device: string } {
  const a = value.indexOf('|');
  const b = value.indexOf('|', a + 1);
  return { dueStamp: value.slice(0, a), attempts: Number(value.slice(a + 1, b)), device: value.slice(b + 1) };
}

/** Below this much free space new punches are refused (they stay on the terminal). */
export const DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024;

/**
 * LevelDB's memory, kept small for a gateway on a small board (docs/benchmarks.md): the block cache only
 * helps dedup lookups of ids already stored (the bloom filters answer for new ones without a block read),
 * and the write buffer (up to two are held) only speeds bulk loads. LevelDB reads tables through mmap and
 * keeps an open table's index and bloom filter in memory: 1 MB tables (the least it allows) halve what
 * one compaction maps at once, and at most 100 open tables bound the rest, where the default 1,000 let a
 * million-punch store keep every table it had touched.
 */
const LEVEL_OPTIONS = {
  cacheSize: 2 * 1024 * 1024,
  writeBufferSize: 2 * 1024 * 1024,
  maxFileSize: 1024 * 1024,
  maxOpenFiles: 100,
};

/**
 * An accept is written in synced batches of about this many bytes. LevelDB puts a whole batch into one
 * memtable and one log, so a 20,000-punch accept (16 MB) left a 16 MB log for a restart after a crash to
 * replay (400 ms and ~50 MB of memory at open, against 60 ms and ~6 MB now) and a 6 MB level-0 table. Each
 * batch holds whole punches (all four entries of one punch together) and the store's counters; the device
 * cursor rides in the last, so a crash between two batches leaves the first stored, the cursor where it
 * was, and those punches counted as duplicates when the device is read again.
 */
const WRITE_BYTES = LEVEL_OPTIONS.writeBufferSize / 2;

/**
 * Entries handed to the publisher whose keys are kept for their confirmations: four times the default
 * `publish.confirm_window` (1,000), the most the publisher has sent and unconfirmed at once.
 */
const HANDED_OUT = 4096;

/** Sorts before every stored key (all are sublevel keys, `!name!…`). */
const NO_KEY = '\u0000';

/**
 * Published entries removed between two compactions of the drained outbox range (≈ 2 MB of JSON). The
 * tables a drain has read stay mapped until a compaction drops them: every 20,000 entries, a 1,000,000
 * backlog drain spent 42–47 % of its time at or above 80 MB RSS; every 5,000, 1.3–1.9 %, at the same rate
 * (docs/benchmarks.md).
 */
const COMPACT_AFTER_REMOVED = 5000;

/**
 * The gateway's durable state in one LevelDB: `raw` (every new punch as received, by arrival sequence),
 * `dedup` (event id → sequence), `outbox` (sequence → event, drained by the publisher) and `meta`
 * (counters). A new punch enters all of them in one atomic batch written with sync, so a power cut leaves
 * either all or none of it — never a punch queued but not deduplicated, or the reverse.
 */
export class PunchStore extends EventEmitter implements PunchSink {
  private seq = 0;
  /** Entries not yet acknowledged by the broker. */
  private queued = 0;
  /** Entries acknowledged by the broker and not yet confirmed. */
  private sentCount = 0;
  /** Unconfirmed entries (queued or sent) per device, persisted with every change. */
  private unconfirmed = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly intake = new Map<string, DeviceIntake>();
  private readonly recent = new RecentIntake();
  private readonly handedOut = new HandedOut(HANDED_OUT);
  private removedSinceCompaction = 0;
  /** Set when this open moved a store written by an earlier version to the current key layout (layout.ts). */
  layoutMove: { keys: number; ms: number } | undefined;
  private timeBounds: TimeBounds = DEFAULT_TIME_BOUNDS;
  private compaction: Promise<void> | undefined;
  private readonly recovery: WriteRecovery;
  /** Every sublevel: closing the database closes them, so a reopen opens them again. */
  private readonly subs: Sub[] = [];
  private readonly raw: Sub;
  private readonly dedup: Sub;
  private readonly outbox: Sub;
  /** Published and acknowledged by the broker, awaiting confirmation: sequence → `dueAt|attempts|device`. */
  private readonly sent: Sub;
  /** Resend order of sent entries: `dueAt|sequence` → ''. */
  private readonly due: Sub;
  /** Unconfirmed punches by device: `device NUL sequence` → stored-at ms (counts, oldest per device). */
  private readonly pending: Sub;
  private readonly meta: Sub;
  private readonly cursors: Sub;
  /** Arrival sequence → `first-seen ms|id`: lets retention forget old ids without scanning the index. */
  private readonly age: Sub;
  /** Punches stored per device per quarter hour of the last day: `device NUL quarter` → count. */
  private readonly quarters: Sub;

  private constructor(
    readonly path: string,
    private readonly db: Db,
    private readonly disk: DiskGuard,
  ) {
    super();
    const sub = (name: string): Sub => {
      const s = db.sublevel<string, string>(name, { valueEncoding: 'utf8' });
      this.subs.push(s);
      return s;
    };
    this.raw = sub(SUBLEVELS.raw);
    this.dedup = sub(SUBLEVELS.dedup);
    this.outbox = sub(SUBLEVELS.outbox);
    this.sent = sub(SUBLEVELS.sent);
    this.due = sub(SUBLEVELS.due);
    this.pending = sub(SUBLEVELS.pending);
    this.meta = sub(SUBLEVELS.meta);
    this.cursors = sub(SUBLEVELS.cursors);
    this.age = sub(SUBLEVELS.age);
    this.quarters = sub(SUBLEVELS.quarters);
    this.recovery = new WriteRecovery(path, {
      serialised: (fn) => this.serialised(fn),
      reopen: () => this.reopen(),
      emit: (event: string, value: unknown) => this.emit(event, value),
    });
  }

  static async open(
    path: string,
    opts: { minFreeBytes?: number; timeBounds?: TimeBounds } = {},
  ): Promise<PunchStore> {
    let db: Db;
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      db = new Level<string, string>(path, { valueEncoding: 'utf8', ...LEVEL_OPTIONS });
      await db.open();
      // a store made by an older version, or by a process with a looser umask, becomes private too
      ownerOnly(path);
    } catch (err) {
      throw new StoreError(path, 'open', undefined, err);
    }
    const s = new PunchStore(path, db, new DiskGuard(path, opts.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES));
    s.timeBounds = opts.timeBounds ?? DEFAULT_TIME_BOUNDS;
    const t0 = Date.now();
    const moved = await moveFormerSublevels(
      db,
      (role) => s[role],
      (batch) => s.write(batch, 'write', 'layout'),
      (start, end) => s.compactRange(start, end),
    );
    if (moved > 0) s.layoutMove = { keys: moved, ms: Date.now() - t0 };
    await s.load();
    return s;
  }

  /** The counters as the last synced batch left them. */
  private async load(): Promise<void> {
    const [seq, queued, sent, unconfirmed] = await this.meta.getMany([
      'seq',
      'queued',
      'sent',
      'unconfirmed',
    ]);
    this.seq = Number(seq ?? 0);
    this.queued = Number(queued ?? 0);
    this.sentCount = Number(sent ?? 0);
    if (unconfirmed === undefined) await this.indexPending();
    else this.unconfirmed = new Map(Object.entries(JSON.parse(unconfirmed) as Record<string, number>));
    // at most a day of quarter hours per device: the page's counts survive a restart without a scan
    for await (const [key, count] of this.quarters.iterator())
      this.recent.restore(parseQuarterKey(key), Number(count));
  }

  /**
   * Closes LevelDB and opens it again, after a failed write (recovery.ts). The counters are read back from
   * disk: a batch reported failed may still have reached the log whole, and then it stands. Writing the
   * sequence back, synced, proves writes go through before any other is let in.
   */
  private async reopen(): Promise<void> {
    await this.compaction;
    try {
      if (this.db.status === 'open') await this.db.close();
      await this.db.open();
      for (const s of this.subs) await s.open();
    } catch (err) {
      throw new StoreError(this.path, 'open', undefined, err);
    }
    await this.load();
    const probe = this.db.batch();
    probe.put('seq', String(this.seq), { sublevel: this.meta });
    try {
      await probe.write({ sync: true });
    } catch (err) {
      throw new StoreError(this.path, 'write', 'seq', err);
    }
  }

  /** Set while writes fail: they are refused until the store has reopened by itself (recovery.ts). */
  get writeFailure(): Readonly<WriteFailure> | undefined {
    return this.recovery.current;
  }

  /** Punches not yet confirmed by the forwarder: queued for the broker, or sent and awaiting confirmation. */
  get outboxDepth(): number {
    return this.queued + this.sentCount;
  }

  /** Punches the broker has not acknowledged yet. */
  get queuedCount(): number {
    return this.queued;
  }

  /** Punches the broker acknowledged that the forwarder has not confirmed yet. */
  get sentAwaitingConfirmation(): number {
    return this.sentCount;
  }

  /** Per-device counts of this process's accepts (not persisted: Prometheus counters restart at 0). */
  get intakeByDevice(): ReadonlyMap<string, Readonly<DeviceIntake>> {
    return this.intake;
  }

  /** Punches stored per device over the last day, by the gateway's clock at storing (persisted). */
  get recentIntake(): RecentCounts {
    return this.recent;
  }

  /** Stores the punches not seen before and queues them for publishing; the rest count as duplicates. */
  accept(events: readonly PunchEvent[], opts: AcceptOptions = {}): Promise<AcceptResult> {
    // serialised: the dedup check and the write must not interleave with another accept
    return this.serialised(() => this.acceptNow(events, opts));
  }

  private async acceptNow(events: readonly PunchEvent[], opts: AcceptOptions): Promise<AcceptResult> {
    if (events.length === 0 && !opts.cursor) return { stored: 0, duplicates: 0, implausible: 0 };
    let known: (string | undefined)[];
    try {
      known = await this.dedup.getMany(events.map((e) => e.id));
    } catch (err) {
      throw new StoreError(this.path, 'read', 'dedup', err);
    }
    const seen = new Set<string>();
    const fresh: PunchEvent[] = [];
    for (const [i, e] of events.entries()) {
      if (known[i] !== undefined || seen.has(e.id)) continue;
      seen.add(e.id);
      fresh.push(e);
    }
    const now = Date.now();
    if (fresh.length > 0) {
      try {
        await this.disk.check();
      } catch (err) {
        throw new StoreError(this.path, 'write', 'disk', err);
      }
    }
    if (fresh.length === 0 && !opts.cursor) {
      this.count(events, seen, now);
      return { stored: 0, duplicates: events.length, implausible: 0 };
    }
    let next = 0;
    do next = await this.writeFrom(fresh, next, now, opts.cursor);
    while (next < fresh.length);
    const implausible = this.count(events, seen, now);
    return { stored: fresh.length, duplicates: events.length - fresh.length, implausible };
  }

  /** Writes `fresh` from `start` up to WRITE_BYTES in one synced batch; returns where the next one starts. */
  private async writeFrom(
    fresh: readonly PunchEvent[],
    start: number,
    now: number,
    cursor: AcceptOptions['cursor'],
  ): Promise<number> {
    const batch = this.db.batch();
    let seq = this.seq;
    let bytes = 0;
    let next = start;
    const devices = new Map<string, number>();
    while (next < fresh.length && bytes < WRITE_BYTES) {
      const e = fresh[next++]!;
      const key = seqKey(++seq);
      const json = JSON.stringify(e);
      batch.put(key, json, { sublevel: this.raw });
      batch.put(e.id, key, { sublevel: this.dedup });
      batch.put(key, json, { sublevel: this.outbox });
      batch.put(key, `${now}|${e.id}`, { sublevel: this.age });
      batch.put(pendingKey(e.device_id, key), String(now), { sublevel: this.pending });
      devices.set(e.device_id, (devices.get(e.device_id) ?? 0) + 1);
      bytes += 2 * json.length;
    }
    // the cursor goes with the last punches it covers: never durable before they are
    if (next === fresh.length && cursor)
      batch.put(cursor.device, JSON.stringify(cursor.value), { sublevel: this.cursors });
    const stored = seq - this.seq;
    batch.put('seq', String(seq), { sublevel: this.meta });
    const commit = this.countChange(batch, devices, stored, 0);
    const recent = this.recent.change(devices, now);
    for (const p of recent.put) batch.put(quarterKey(p), String(p.count), { sublevel: this.quarters });
    for (const d of recent.drop) batch.del(quarterKey(d), { sublevel: this.quarters });
    await this.write(batch, 'write', `seq ${this.seq + 1}…${seq}`);
    this.seq = seq;
    commit();
    this.recent.apply(recent, now);
    if (stored > 0) this.emit('queued', stored);
    return next;
  }

  /** Updates the intake figures; returns how many of the stored ones have an implausible time. */
  private count(events: readonly PunchEvent[], stored: ReadonlySet<string>, now: number): number {
    const counted = new Set<string>();
    let implausible = 0;
    for (const e of events) {
      let d = this.intake.get(e.device_id);
      if (!d) {
        d = { stored: 0, duplicates: 0, implausible: 0, lastPunch: undefined, lastStoredAt: undefined };
        this.intake.set(e.device_id, d);
      }
      if (!stored.has(e.id) || counted.has(e.id)) {
        d.duplicates++;
        continue;
      }
      counted.add(e.id);
      d.stored++;
      d.lastStoredAt = now;
      if (implausibleTime(e.device_time, e.timezone, now, this.timeBounds)) {
        d.implausible++;
        implausible++;
        // a far-future stamp must not become the terminal's "last punch"
        continue;
      }
      if (d.lastPunch === undefined || e.device_time > d.lastPunch) d.lastPunch = e.device_time;
    }
    return implausible;
  }

  /** The oldest queued punches (not yet acknowledged by the broker), in arrival order (per-device order). */
  async readOutbox(limit: number, after?: string): Promise<OutboxEntry[]> {
    // not cached: a page is read once, and would push the dedup index's blocks out of the block cache
    const options: OutboxIteratorOptions = { limit, fillCache: false, ...(after ? { gt: after } : {}) };
    try {
      const entries = await this.outbox.iterator(options).all();
      return entries.map(([key, payload]) => {
        const { id, device_id } = JSON.parse(payload) as PunchEvent;
        this.handedOut.remember(id, key);
        return { key, device: device_id, payload, attempts: 0 };
      });
    } catch (err) {
      throw new StoreError(this.path, 'read', 'outbox', err);
    }
  }

  /**
   * Sent entries whose confirmation is overdue at `nowMs`, the longest overdue first (entries sent together
   * fall due together, oldest first). `after` is the last entry of the previous page.
   */
  async readDue(
    limit: number,
    nowMs: number,
    after?: Pick<OutboxEntry, 'key' | 'dueAt'>,
  ): Promise<OutboxEntry[]> {
    const from = after ? { gt: `${dueStamp(after.dueAt ?? 0)}|${after.key}` } : {};
    try {
      const keys = await this.due.keys({ limit, lte: `${dueStamp(nowMs)}|~`, ...from }).all();
      const seqs = keys.map((k) => k.slice(k.indexOf('|') + 1));
      const [marks, payloads] = await Promise.all([this.sent.getMany(seqs), this.raw.getMany(seqs)]);
      return seqs.flatMap((key, i) => {
        const mark = marks[i];
        const payload = payloads[i];
        if (mark === undefined || payload === undefined) return [];
        const m = parseSent(mark);
        this.handedOut.remember((JSON.parse(payload) as PunchEvent).id, key);
        return [{ key, device: m.device, payload, attempts: m.attempts, dueAt: Number(m.dueStamp) }];
      });
    } catch (err) {
      throw new StoreError(this.path, 'read', 'due', err);
    }
  }

  /** When the earliest sent entry falls due (ms), or undefined when none waits. */
  async nextDue(): Promise<number | undefined> {
    const [first] = await this.due.keys({ limit: 1 }).all();
    return first === undefined ? undefined : Number(first.slice(0, first.indexOf('|')));
  }

  /**
   * Records publishes the broker acknowledged: each entry waits for its confirmation until `dueAt`. An entry
   * confirmed in the meantime (the confirmation can overtake this write) is left alone.
   */
  markSent(marks: readonly SentMark[]): Promise<void> {
    return this.serialised(async () => {
      if (marks.length === 0) return;
      // a first send moves a queued entry; a resend moves a sent one to its next due time
      const first = marks.filter((m) => m.entry.attempts === 0);
      const again = marks.filter((m) => m.entry.attempts > 0);
      const [queued, before] = await Promise.all([
        first.length ? this.outbox.hasMany(first.map((m) => m.entry.key)) : [],
        again.length ? this.sent.getMany(again.map((m) => m.entry.key)) : [],
      ]);
      const batch = this.db.batch();
      const mark = ({ entry, dueAt }: SentMark) => {
        batch.put(entry.key, sentValue(dueAt, entry.attempts + 1, entry.device), { sublevel: this.sent });
        batch.put(`${dueStamp(dueAt)}|${entry.key}`, '', { sublevel: this.due });
      };
      let moved = 0;
      for (const [i, m] of first.entries()) {
        if (!queued[i]) continue;
        batch.del(m.entry.key, { sublevel: this.outbox });
        mark(m);
        moved++;
      }
      for (const [i, m] of again.entries()) {
        const v = before[i];
        if (v === undefined) continue;
        batch.del(`${parseSent(v).dueStamp}|${m.entry.key}`, { sublevel: this.due });
        mark(m);
      }
      const commit = this.countChange(batch, new Map(), -moved, moved);
      await this.write(batch, 'write', `sent ${marks[0]!.entry.key}…`);
      commit();
    });
  }

  /**
   * Removes the entries of these punch ids: the forwarder confirmed that Frappe holds them. Entries whose
   * device `belongs` refuses are left alone (a confirmation acts only on the device its topic names).
   */
  confirm(ids: readonly string[], belongs?: (device: string) => boolean): Promise<ConfirmResult> {
    return this.serialised(async () => {
      const result: ConfirmResult = { confirmed: 0, unknown: 0, foreign: 0 };
      const seqs = await this.keysOf(ids);
      const keys = [...new Set(seqs.filter((k): k is string => k !== undefined))];
      result.unknown += ids.length - seqs.filter((k) => k !== undefined).length;
      // almost always sent; a queued one is confirmed when its PUBACK was lost (a crash, a reconnect)
      const sent = await this.sent.getMany(keys);
      const notSent = keys.filter((_, i) => sent[i] === undefined);
      const queued = new Map(
        (notSent.length ? await this.outbox.getMany(notSent) : []).map((json, i) => [notSent[i]!, json]),
      );
      const batch = this.db.batch();
      const devices = new Map<string, number>();
      let fromQueue = 0;
      let fromSent = 0;
      const removed: string[] = [];
      for (const [i, key] of keys.entries()) {
        const v = sent[i];
        const q = queued.get(key);
        const mark = v === undefined ? undefined : parseSent(v);
        const owner = mark?.device ?? (q === undefined ? undefined : deviceOf(q));
        if (owner === undefined) {
          result.unknown++;
          continue;
        }
        if (belongs && !belongs(owner)) {
          result.foreign++;
          continue;
        }
        if (mark) {
          batch.del(key, { sublevel: this.sent });
          batch.del(`${mark.dueStamp}|${key}`, { sublevel: this.due });
          fromSent++;
        } else {
          batch.del(key, { sublevel: this.outbox });
          fromQueue++;
        }
        batch.del(pendingKey(owner, key), { sublevel: this.pending });
        devices.set(owner, (devices.get(owner) ?? 0) - 1);
        removed.push(key);
        result.confirmed++;
      }
      if (result.confirmed === 0) {
        await batch.close();
        return result;
      }
      const commit = this.countChange(batch, devices, -fromQueue, -fromSent);
      await this.write(batch, 'delete', `confirmed ${keys[0]}…`);
      commit();
      this.afterRemoval(result.confirmed, keys[keys.length - 1]!);
      this.emit('confirmed', result.confirmed, removed);
      return result;
    });
  }

  /** The sequence keys of these punch ids: of the ones lately handed out from memory, the rest from the index. */
  private async keysOf(ids: readonly string[]): Promise<(string | undefined)[]> {
    const keys = ids.map((id) => this.handedOut.take(id));
    const missing = ids.filter((_, i) => keys[i] === undefined);
    if (missing.length === 0) return keys;
    const found = await this.dedup.getMany(missing);
    let next = 0;
    return keys.map((key) => key ?? found[next++]);
  }

  /**
   * Removes entries without waiting for a confirmation: for a gateway run with `publish.confirm: false`,
   * where the broker's PUBACK is the end of the gateway's responsibility.
   */
  removeFromOutbox(entries: readonly Pick<OutboxEntry, 'key' | 'device'>[]): Promise<void> {
    return this.serialised(async () => {
      if (entries.length === 0) return;
      const batch = this.db.batch();
      const devices = new Map<string, number>();
      for (const { key, device } of entries) {
        batch.del(key, { sublevel: this.outbox });
        batch.del(pendingKey(device, key), { sublevel: this.pending });
        devices.set(device, (devices.get(device) ?? 0) - 1);
      }
      const commit = this.countChange(batch, devices, -entries.length, 0);
      await this.write(batch, 'delete', `outbox ${entries[0]!.key}…`);
      commit();
      this.afterRemoval(entries.length, entries[entries.length - 1]!.key);
    });
  }

  /** Unconfirmed punches per device, with the time the oldest of each was stored. */
  async unconfirmedByDevice(): Promise<UnconfirmedDevice[]> {
    const out: UnconfirmedDevice[] = [];
    for (const [device, count] of this.unconfirmed) {
      const [first] = await this.pending
        .values({ gte: pendingKey(device, ''), lt: pendingKey(device, '~'), limit: 1 })
        .all();
      out.push({ device, count, oldestStoredAt: first === undefined ? undefined : Number(first) });
    }
    return out;
  }

  /** Runs `fn` after every store operation started before it, so reads and the batch it writes agree. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private async write(batch: ReturnType<Db['batch']>, op: 'write' | 'delete', key: string): Promise<void> {
    const failing = this.recovery.refuse();
    if (failing) {
      await batch.close();
      throw new StoreRecoveringError(this.path, op, key, failing.since, failing.error);
    }
    try {
      await batch.write({ sync: true });
    } catch (err) {
      const error = new StoreError(this.path, op, key, err);
      this.recovery.failed(error);
      throw error;
    }
  }

  /**
   * Puts the counters after a change into `batch`, so they are durable with it; the returned function
   * applies them in memory once the batch is written.
   */
  private countChange(
    batch: ReturnType<Db['batch']>,
    devices: ReadonlyMap<string, number>,
    queuedDelta: number,
    sentDelta: number,
  ): () => void {
    const queued = Math.max(0, this.queued + queuedDelta);
    const sent = Math.max(0, this.sentCount + sentDelta);
    const unconfirmed = new Map(this.unconfirmed);
    for (const [device, delta] of devices) {
      const n = (unconfirmed.get(device) ?? 0) + delta;
      if (n > 0) unconfirmed.set(device, n);
      else unconfirmed.delete(device);
    }
    batch.put('queued', String(queued), { sublevel: this.meta });
    batch.put('sent', String(sent), { sublevel: this.meta });
    if (devices.size > 0)
      batch.put('unconfirmed', JSON.stringify(Object.fromEntries(unconfirmed)), { sublevel: this.meta });
    return () => {
      this.queued = queued;
      this.sentCount = sent;
      if (devices.size > 0) this.unconfirmed = unconfirmed;
    };
  }

  private afterRemoval(removed: number, last: string): void {
    this.removedSinceCompaction += removed;
    if (this.removedSinceCompaction >= COMPACT_AFTER_REMOVED && !this.compaction) this.compactDrained(last);
  }

  /**
   * A store written before punches were confirmed has an outbox but no per-device index of unconfirmed
   * punches: build it once, from the outbox and the arrival times.
   */
  private async indexPending(): Promise<void> {
    let batch = this.db.batch();
    let n = 0;
    const counts = new Map<string, number>();
    for await (const [key, json] of this.outbox.iterator()) {
      const device = deviceOf(json);
      const age = await this.age.get(key);
      batch.put(pendingKey(device, key), age?.slice(0, age.indexOf('|')) ?? String(Date.now()), {
        sublevel: this.pending,
      });
      counts.set(device, (counts.get(device) ?? 0) + 1);
      if (++n % 1000 === 0) {
        await this.write(batch, 'write', 'pending');
        batch = this.db.batch();
      }
    }
    batch.put('unconfirmed', JSON.stringify(Object.fromEntries(counts)), { sublevel: this.meta });
    await this.write(batch, 'write', 'pending');
    this.unconfirmed = counts;
  }

  /**
   * Compacts the outbox range up to `last`, already published and deleted. LevelDB reads its tables through
   * mmap and keeps each table it has read open, so draining a backlog would otherwise leave the whole
   * drained outbox mapped into the gateway's memory (≈ 90 MB for a million punches); the compaction drops
   * those tables, and gives their disk space back during the drain rather than whenever LevelDB gets to it.
   */
  private compactDrained(last: string): void {
    this.removedSinceCompaction = 0;
    const prefix = this.outbox.prefix;
    const sentPrefix = this.sent.prefix;
    this.compaction = Promise.all([
      this.compactRange(prefix, prefix + last),
      this.compactRange(sentPrefix, sentPrefix + last),
    ])
      .then(() => {})
      // LevelDB's CompactRange returns no status: an I/O error in it becomes the store's background error,
      // which fails (and is reported by) the next write; nothing else can reject while the store is open
      .catch(() => {})
      .finally(() => {
        this.compaction = undefined;
      });
  }

  /** Everything ever stored, oldest first (audit, export, tests). */
  async *rawLog(): AsyncGenerator<PunchEvent> {
    for await (const json of this.raw.values()) yield JSON.parse(json) as PunchEvent;
  }

  /** Applies the retention policy, then compacts what was deleted so the disk space comes back. */
  async prune(policy: RetentionPolicy = DEFAULT_RETENTION, nowMs = Date.now()): Promise<PruneResult> {
    return this.serialised(async () => {
      const parts = { raw: this.raw, dedup: this.dedup, age: this.age, outbox: this.outbox, sent: this.sent };
      let result: PruneResult;
      try {
        result = await prune(this.db, parts, policy, nowMs, (b) => this.write(b, 'delete', 'retention'));
        if (result.raw + result.dedup > 0) await this.compactRange('', '\uffff');
      } catch (err) {
        if (err instanceof StoreError || err instanceof StoreRecoveringError) throw err;
        throw new StoreError(this.path, 'delete', 'retention', err);
      }
      return result;
    });
  }

  /** Disk use, and whether free space is under the floor below which new punches are refused. */
  async diskUsage(): Promise<DiskUsage & { low: boolean }> {
    const d = await diskUsage(this.path);
    return { ...d, low: this.disk.floorBytes > 0 && d.freeBytes < this.disk.floorBytes };
  }

  /** The cursor last written with `accept` for this device, if any. */
  async cursor(device: string): Promise<SourceCursor | undefined> {
    const json = await this.cursors.get(device);
    return json === undefined ? undefined : (JSON.parse(json) as SourceCursor);
  }

  async has(id: string): Promise<boolean> {
    return (await this.dedup.get(id)) !== undefined;
  }

  async close(): Promise<void> {
    this.recovery.stop();
    await this.chain;
    await this.compaction;
    // compacting a range that holds no key only writes the memtable out to a table, so the next open has no
    // log to replay: replaying holds the log about three times over in memory (15 MB of log took 50 MB)
    if (this.db.status === 'open') await this.compactRange(NO_KEY, NO_KEY);
    await this.db.close();
  }

  /** classic-level's compactRange, which is what runs on Node (level's types omit it). */
  private compactRange(start: string, end: string): Promise<void> {
    return (this.db as unknown as Compactable).compactRange(start, end);
  }
}

/** The store's directory 0700 and its files 0600: punches are personal data. */
function ownerOnly(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) chmodSync(join(dir, entry.name), 0o600);
  }
}
