/**
 * Options and figures of {@link DeviceStore}.
 *
 * @packageDocumentation
 */

/** Options of {@link DeviceStore.open}. */
export interface StoreOptions {
  /** Compact once the journal holds this many records (default 10,000)... */
  compactEvery?: number;
  /** ...and at least this fraction of the snapshot's size in bytes (default 0.25; 0: ignore). */
  compactRatio?: number;
}

/** Figures about a {@link DeviceStore}. */
export interface StoreStats {
  /** Records in the journal since the last compaction. */
  records: number;
  /** Sequence of the last durable record. */
  lastSeq: number;
  /** Time open() took (ms). */
  loadMs: number;
  keys: number;
  foreignKeys: number;
  settings: number;
  /** Token objects. */
  objects: number;
  journalBytes: number;
  snapshotBytes: number;
  compactions: number;
  /** Journal writes (each one write + fdatasync, of one or more records) since open. */
  commits: number;
  /** Bytes of a torn journal tail dropped on open (0 normally). */
  tornBytesDropped: number;
  /** Why the last automatic compaction failed (the journal stays valid), if it did. */
  lastCompactionError: string | undefined;
}
