/** A document as stored: plain fields plus Frappe's standard ones. */
export type Doc = Record<string, unknown> & { name: string; doctype: string };

/**
 * In-memory tables with Frappe's transaction rule (contract.md §2, commit semantics): a request's writes
 * are kept only when it succeeds with a committing verb; anything else undoes them all.
 */
export class FrappeDb {
  readonly tables = new Map<string, Map<string, Doc>>();
  private readonly series = new Map<string, number>();
  private undo: Array<() => void> | undefined;

  table(doctype: string): Map<string, Doc> {
    let t = this.tables.get(doctype);
    if (!t) {
      t = new Map();
      this.tables.set(doctype, t);
    }
    return t;
  }

  get(doctype: string, name: string): Doc | undefined {
    return this.tables.get(doctype)?.get(name);
  }

  /** Documents in insertion order (a Map keeps it; a replaced document keeps its place). */
  all(doctype: string): Doc[] {
    return [...(this.tables.get(doctype)?.values() ?? [])];
  }

  /** Inserts or replaces; stored objects are never mutated in place, so undo can put the old one back. */
  put(doc: Doc): void {
    const t = this.table(doc.doctype);
    const before = t.get(doc.name);
    t.set(doc.name, doc);
    this.undo?.push(() => {
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
    this.undo?.push(() => t.set(name, before));
  }

  /** Next number of a naming series (tabSeries is transactional too). */
  nextInSeries(prefix: string): number {
    const before = this.series.get(prefix) ?? 0;
    this.series.set(prefix, before + 1);
    this.undo?.push(() => this.series.set(prefix, before));
    return before + 1;
  }

  /** Runs `fn` synchronously as one transaction; kept only when it returns and `commit` is true. */
  transaction<T>(commit: boolean, fn: () => T): T {
    const undo: Array<() => void> = [];
    this.undo = undo;
    try {
      const result = fn();
      if (!commit) rollback(undo);
      return result;
    } catch (err) {
      rollback(undo);
      throw err;
    } finally {
      this.undo = undefined;
    }
  }
}

function rollback(undo: Array<() => void>): void {
  for (const u of undo.reverse()) u();
}
