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
  /**
   * Testing only: awaited after each step of a compaction (compaction.ts). An exception thrown
   * there ends the compaction on the spot and leaves the files as a crash at that point would;
   * close the store and open it again to see the recovery.
   */
  onCompactionStep?: (step: CompactionStep) => void | Promise<void>;
}

/**
 * The durable steps of a compaction, in order: the old files are `held` for erasing, the new
 * `snapshot` and then the fresh `journal` replace them, the old bytes are `overwritten` (the
 * held names are removed next).
 */
export type CompactionStep = 'held' | 'snapshot' | 'journal' | 'overwritten';

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
