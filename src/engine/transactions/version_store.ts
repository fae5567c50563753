/**
 * Earlier versions of documents, kept while transactions are open so that each reads the store as it was at its
 * snapshot. Every write that commits while a transaction is open records the before-image of each document it
 * touches (null: the document did not exist), under the write's commit time. A transaction with snapshot T reads a
 * document from the oldest version committed after T when there is one, else from the store, which then has not
 * changed it since T. The same records tell a transaction that a document it wants to write changed after its
 * snapshot: a write conflict.
 *
 * Collections are not versioned: one dropped or renamed after a snapshot cannot be read at it (SnapshotUnavailable).
 * Versions older than every open snapshot are dropped; with no transaction open, nothing is recorded at all.
 *
 * Writes another server committed (several servers on one database) reach this process as change entries, without
 * before-images: the collections they touched are only marked as changed, and a transaction whose snapshot predates
 * the mark can neither read nor write them (a WriteConflict, which drivers retry).
 */

/** One committed change of one document. */
interface Version {
  /** Commit time of the write that changed it. */
  ts: bigint;
  /** The document's bytes before that write, or null when it did not exist. */
  before: Buffer | null;
}

/** Before-images a write collects while it runs; published with its commit time once it has committed. */
export class PendingVersions {
  readonly docs = new Map<string, Map<string, { key: Buffer; before: Buffer | null }>>();
  readonly collections = new Set<string>();

  /** True when `key` of `uuid` already has its before-image in this write (only the first one counts). */
  has(uuid: string, keyHex: string): boolean {
    return this.docs.get(uuid)?.has(keyHex) ?? false;
  }

  add(uuid: string, hex: string, key: Buffer, before: Buffer | null): void {
    let byKey = this.docs.get(uuid);
    if (!byKey) this.docs.set(uuid, (byKey = new Map()));
    if (!byKey.has(hex)) byKey.set(hex, { key, before });
  }
}

export class VersionStore {
  private readonly docs = new Map<string, Map<string, { key: Buffer; versions: Version[] }>>();
  /** Collections dropped or renamed, with when. */
  private readonly catalogChanges = new Map<string, bigint>();
  /** Collections another server changed, with the time of the latest such change. */
  private readonly foreign = new Map<string, bigint>();
  /** The latest time another server changed something not tied to one collection (a database dropped). */
  private foreignAll: bigint | null = null;
  /** Bytes of the kept before-images and keys, roughly what the store holds in memory. */
  bytes = 0;

  /** Records a change another server committed at `ts` to the collection `uuid` (undefined: to no one collection). */
  noteForeign(uuid: string | undefined, ts: bigint): void {
    if (uuid === undefined) {
      if (this.foreignAll === null || ts > this.foreignAll) this.foreignAll = ts;
      return;
    }
    const at = this.foreign.get(uuid);
    if (at === undefined || ts > at) this.foreign.set(uuid, ts);
  }

  /** True when another server changed the collection after `snapshot`: its state then is unknown here. */
  foreignChangedSince(uuid: string, snapshot: bigint): boolean {
    if (this.foreignAll !== null && this.foreignAll > snapshot) return true;
    const at = this.foreign.get(uuid);
    return at !== undefined && at > snapshot;
  }

  /** Records what a committed write changed. */
  publish(pending: PendingVersions, ts: bigint): void {
    for (const [uuid, byKey] of pending.docs) {
      let stored = this.docs.get(uuid);
      if (!stored) this.docs.set(uuid, (stored = new Map()));
      for (const [hex, { key, before }] of byKey) {
        this.bytes += key.byteLength + (before?.byteLength ?? 0);
        const entry = stored.get(hex);
        if (entry) entry.versions.push({ ts, before });
        else stored.set(hex, { key, versions: [{ ts, before }] });
      }
    }
    for (const uuid of pending.collections) if (!this.catalogChanges.has(uuid)) this.catalogChanges.set(uuid, ts);
  }

  /** The document as of `snapshot` when it changed since (its bytes, or null when it did not exist then), else undefined. */
  asOf(uuid: string, keyHex: string, snapshot: bigint): Buffer | null | undefined {
    const versions = this.docs.get(uuid)?.get(keyHex)?.versions;
    if (!versions) return undefined;
    const first = versions.find((v) => v.ts > snapshot);
    return first === undefined ? undefined : first.before;
  }

  /** Every document of `uuid` that changed after `snapshot`, as it was then (null: absent then). */
  changedSince(uuid: string, snapshot: bigint): { key: Buffer; before: Buffer | null }[] {
    const out: { key: Buffer; before: Buffer | null }[] = [];
    for (const { key, versions } of this.docs.get(uuid)?.values() ?? []) {
      const first = versions.find((v) => v.ts > snapshot);
      if (first) out.push({ key, before: first.before });
    }
    return out;
  }

  /** True when the document changed after `snapshot`: a transaction holding that snapshot may not write it. */
  conflicts(uuid: string, keyHex: string, snapshot: bigint): boolean {
    return this.asOf(uuid, keyHex, snapshot) !== undefined;
  }

  /** True when the collection was dropped or renamed after `snapshot`. */
  catalogChangedSince(uuid: string, snapshot: bigint): boolean {
    const at = this.catalogChanges.get(uuid);
    return at !== undefined && at > snapshot;
  }

  /** Forgets versions no open snapshot needs: those committed at or before `oldest` (everything when null). */
  prune(oldest: bigint | null): void {
    if (oldest === null) {
      this.docs.clear();
      this.catalogChanges.clear();
      this.foreign.clear();
      this.foreignAll = null;
      this.bytes = 0;
      return;
    }
    for (const [uuid, byKey] of this.docs) {
      for (const [hex, entry] of byKey) {
        for (const v of entry.versions) if (v.ts <= oldest) this.bytes -= entry.key.byteLength + (v.before?.byteLength ?? 0);
        entry.versions = entry.versions.filter((v) => v.ts > oldest);
        if (entry.versions.length === 0) byKey.delete(hex);
      }
      if (byKey.size === 0) this.docs.delete(uuid);
    }
    for (const [uuid, ts] of this.catalogChanges) if (ts <= oldest) this.catalogChanges.delete(uuid);
    for (const [uuid, ts] of this.foreign) if (ts <= oldest) this.foreign.delete(uuid);
    if (this.foreignAll !== null && this.foreignAll <= oldest) this.foreignAll = null;
  }
}
