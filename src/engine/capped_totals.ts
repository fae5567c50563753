/**
 * The size and document count of capped collections, remembered between inserts so that capping does not measure
 * the whole collection after each one. Only the capping path (`deleteOverCap`) sets totals, and only for changes it
 * made itself: any other change entry logged for the collection (an update, a delete, a drop, a transaction's
 * commit) makes them unknown again, and they are measured from storage at the next insert. Totals a write computes
 * become the engine's only when it commits.
 */

export interface Totals {
  count: number;
  bytes: number;
}

/** The engine's committed totals, by collection uuid. */
export class CappedTotals {
  private readonly committed = new Map<string, Totals>();

  /** A change another writer committed for `uuid` (it reached this process through the tail): measure again. */
  forget(uuid: string): void {
    this.committed.delete(uuid);
  }

  /** The state of one write transaction; `commit` it after the storage commit. */
  begin(): CappedWriteTotals {
    return new CappedWriteTotals(this.committed);
  }
}

export class CappedWriteTotals {
  /** Change entries logged in this write, per tracked collection. */
  private readonly logged = new Map<string, number>();
  /** Totals computed in this write, valid while no other entry is logged for the collection (`at`). */
  private readonly pending = new Map<string, Totals & { at: number }>();

  constructor(private readonly committed: Map<string, Totals>) {}

  /** Called for every change entry the write logs (cheap for collections whose totals nobody keeps). */
  noteLogged(uuid: string | undefined): void {
    if (uuid === undefined || (!this.committed.has(uuid) && !this.pending.has(uuid))) return;
    this.logged.set(uuid, (this.logged.get(uuid) ?? 0) + 1);
  }

  /**
   * The totals of `uuid` after an insert of `insertedBytes` that was just logged, when they are known without
   * measuring: nothing but that insert was logged for it since they were taken. Else null.
   */
  afterInsert(uuid: string, insertedBytes: number): Totals | null {
    const logged = this.logged.get(uuid) ?? 0;
    const pending = this.pending.get(uuid);
    const base = pending ? (logged === pending.at + 1 ? pending : null) : logged === 1 ? this.committed.get(uuid) ?? null : null;
    return base ? { count: base.count + 1, bytes: base.bytes + insertedBytes } : null;
  }

  /** Records the totals of `uuid` as they are now, after everything this write logged so far. */
  set(uuid: string, totals: Totals): void {
    this.pending.set(uuid, { ...totals, at: this.logged.get(uuid) ?? 0 });
  }

  /** After the storage commit: totals still valid become the engine's; those of collections changed otherwise go. */
  commit(): void {
    for (const [uuid, logged] of this.logged) {
      const pending = this.pending.get(uuid);
      if (!pending || pending.at !== logged) this.committed.delete(uuid);
    }
    for (const [uuid, pending] of this.pending) {
      if (pending.at === (this.logged.get(uuid) ?? 0)) this.committed.set(uuid, { count: pending.count, bytes: pending.bytes });
    }
  }
}
