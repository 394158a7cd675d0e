/** A document as stored: plain fields plus Frappe's standard ones. */
export type Doc = Record<string, unknown> & { name: string; doctype: string };

/**
 * Thrown when a locking step (primary key, unique key, naming series) meets a row or counter that an
 * uncommitted transaction holds: MariaDB makes the statement wait for that transaction to end.
 */
export class LockWait extends Error {
  constructor(readonly holder: LateTransaction) {
    super('lock wait');
  }
}

/** A request that has run but not committed yet (a worker still busy after the client gave up). */
export interface LateTransaction {
  /** The rows it wrote, as they will be once it commits. */
  readonly docs: Doc[];
  /** `doctype\0name` and `doctype\0field\0value` of every key it holds, and `series\0prefix`. */
  readonly locks: Set<string>;
  readonly series: Map<string, number>;
  /** Resolves when it committed. */
  readonly settled: Promise<void>;
}

interface Version {
  /** Commit sequence; undefined while the transaction that wrote it is open. */
  seq: number | undefined;
  prev: Doc | undefined;
}

interface OpenTx {
  /** Consistent reads see commits up to this sequence, and the transaction's own writes. */
  snapshot: number;
  undo: Array<() => void>;
  written: Doc[];
  series: Map<string, number>;
}

/**
 * In-memory tables with Frappe's transaction rule (frappe §2, commit semantics) on InnoDB's terms:
 * a request's writes are kept only when it succeeds with a committing verb; reads see the snapshot taken
 * when the request started (REPEATABLE READ), while key checks and the naming series see the latest
 * committed state and wait for keys an uncommitted transaction holds.
 */
export class FrappeDb {
  readonly tables = new Map<string, Map<string, Doc>>();
  /** Unique fields of a DocType (custom fields included), for the keys a late transaction holds. */
  uniqueFieldsOf: (doctype: string) => readonly string[] = () => [];
  private readonly series = new Map<string, number>();
  private readonly versions = new WeakMap<Doc, Version>();
  private readonly late = new Set<LateTransaction>();
  private commits = 0;
  private tx: OpenTx | undefined;

  /** The commit sequence a request starting now reads at. */
  get snapshot(): number {
    return this.commits;
  }

  table(doctype: string): Map<string, Doc> {
    let t = this.tables.get(doctype);
    if (!t) {
      t = new Map();
      this.tables.set(doctype, t);
    }
    return t;
  }

  /** Consistent read of one document. */
  get(doctype: string, name: string): Doc | undefined {
    const doc = this.tables.get(doctype)?.get(name);
    return doc && this.visible(doc);
  }

  /** Consistent read of a table, in insertion order (a replaced document keeps its place). */
  all(doctype: string): Doc[] {
    const rows = [...(this.tables.get(doctype)?.values() ?? [])];
    // nothing committed since this transaction began: every latest row is what it sees
    if (!this.tx || this.tx.snapshot === this.commits) return rows;
    return rows.flatMap((d) => this.visible(d) ?? []);
  }

  /** Locking read of a primary key: the latest committed row; waits on an uncommitted insert of it. */
  latest(doctype: string, name: string): Doc | undefined {
    this.waitFor(`${doctype}\0${name}`);
    return this.tables.get(doctype)?.get(name);
  }

  /** Unique-key check: another latest row holding `value` in `field`; waits on an uncommitted one. */
  holderOf(doctype: string, field: string, value: string, except: string): Doc | undefined {
    this.waitFor(`${doctype}\0${field}\0${value}`);
    for (const d of this.tables.get(doctype)?.values() ?? []) {
      const v = d[field];
      if (d.name !== except && v !== null && v !== undefined && String(v) === value) return d;
    }
    return undefined;
  }

  /** Inserts or replaces; stored objects are never mutated in place, so undo can put the old one back. */
  put(doc: Doc): void {
    const t = this.table(doc.doctype);
    const before = t.get(doc.name);
    t.set(doc.name, doc);
    const tx = this.tx;
    if (!tx) {
      this.versions.set(doc, { seq: this.commits, prev: before });
      return;
    }
    this.versions.set(doc, { seq: undefined, prev: before });
    tx.written.push(doc);
    tx.undo.push(() => {
      if (before) t.set(doc.name, before);
      else t.delete(doc.name);
    });
  }

  remove(doctype: string, name: string): void {
    const t = this.table(doctype);
    const before = t.get(name);
    if (!before) return;
    // re-inserting on undo moves it to the end of the Map; order only matters for default sorting
    t.delete(name);
    this.tx?.undo.push(() => t.set(name, before));
  }

  /** Next number of a naming series; tabSeries is a row the transaction keeps locked until it ends. */
  nextInSeries(prefix: string): number {
    this.waitFor(`series\0${prefix}`);
    const before = this.series.get(prefix) ?? 0;
    this.series.set(prefix, before + 1);
    this.tx?.series.set(prefix, before + 1);
    this.tx?.undo.push(() => this.series.set(prefix, before));
    return before + 1;
  }

  /**
   * Runs `fn` synchronously as one transaction reading at `snapshot` (default: now); kept only when it
   * returns and `commit` is true.
   */
  transaction<T>(commit: boolean, fn: () => T, snapshot = this.commits): T {
    const tx: OpenTx = { snapshot, undo: [], written: [], series: new Map() };
    this.tx = tx;
    try {
      const result = fn();
      if (commit) this.stamp(tx.written);
      else rollback(tx.undo);
      return result;
    } catch (err) {
      rollback(tx.undo);
      throw err;
    } finally {
      this.tx = undefined;
    }
  }

  /**
   * Runs `fn` as a transaction that stays open: its writes are undone for everyone else until `commitLate`
   * puts them back, and meanwhile it holds their keys and the series it advanced.
   */
  runLate<T>(fn: () => T, snapshot = this.commits): { result: T; late: LateTransaction } {
    const tx: OpenTx = { snapshot, undo: [], written: [], series: new Map() };
    this.tx = tx;
    let result: T;
    try {
      result = fn();
    } finally {
      this.tx = undefined;
      rollback(tx.undo);
    }
    const locks = new Set<string>([...tx.series.keys()].map((p) => `series\0${p}`));
    for (const d of tx.written) {
      locks.add(`${d.doctype}\0${d.name}`);
      for (const f of this.uniqueFieldsOf(d.doctype)) {
        const v = d[f];
        if (v !== null && v !== undefined && v !== '') locks.add(`${d.doctype}\0${f}\0${String(v)}`);
      }
    }
    let done = () => {};
    const settled = new Promise<void>((resolve) => {
      done = resolve;
    });
    const late: LateTransaction & { done: () => void } = {
      docs: tx.written,
      locks,
      series: tx.series,
      settled,
      done,
    };
    this.late.add(late);
    return { result, late };
  }

  /** The late transaction commits: its rows appear (older snapshots still see what was there before). */
  commitLate(late: LateTransaction): void {
    if (!this.late.delete(late)) return;
    const written: Doc[] = [];
    for (const d of late.docs) {
      const t = this.table(d.doctype);
      const before = t.get(d.name);
      const row = { ...d };
      t.set(d.name, row);
      this.versions.set(row, { seq: undefined, prev: before });
      written.push(row);
    }
    for (const [prefix, n] of late.series) this.series.set(prefix, Math.max(this.series.get(prefix) ?? 0, n));
    this.stamp(written);
    (late as LateTransaction & { done: () => void }).done();
  }

  private stamp(written: Doc[]): void {
    if (written.length === 0) return;
    const seq = ++this.commits;
    for (const d of written) {
      const v = this.versions.get(d);
      if (v) v.seq = seq;
    }
  }

  /** The version of `doc` the open transaction sees: its own writes, or the newest committed by its snapshot. */
  private visible(doc: Doc): Doc | undefined {
    const tx = this.tx;
    if (!tx) return doc;
    let d: Doc | undefined = doc;
    while (d) {
      const v = this.versions.get(d);
      if (!v || v.seq === undefined || v.seq <= tx.snapshot) return d;
      d = v.prev;
    }
    return undefined;
  }

  private waitFor(key: string): void {
    for (const late of this.late) if (late.locks.has(key)) throw new LockWait(late);
  }
}

function rollback(undo: Array<() => void>): void {
  for (const u of undo.reverse()) u();
}
