/**
 * Loading a state directory on open, and the recovery it performs.
 *
 * Torn tail: the only damage tolerated is at the very end of the journal, where a crash during
 * a write that was never acknowledged (its fdatasync had not returned, so no caller was told it
 * succeeded) can leave (1) fewer than 12 bytes of a record header, (2) an intact record header
 * (its own CRC matches) whose record runs past end of file, or (3) an intact header whose record
 * ends exactly at end of file but fails its payload CRC. Those bytes are dropped by rewriting the
 * journal without them (temp file, fsync, rename, fsync directory). Everything else fails with
 * ERR_STORAGE_CORRUPTED naming the file and offset: a record header CRC mismatch, a bad record
 * followed by more data, a sequence gap, an undecodable record, any snapshot checksum failure, a
 * journal that starts after the snapshot's sequence (records missing) or continues a snapshot
 * that is missing. Unknown format versions fail with ERR_STORAGE_VERSION. A missing journal next
 * to a snapshot is fine (a fresh, empty one is written).
 *
 * Interrupted compaction: when the journal starts before the snapshot's sequence (a crash
 * between the snapshot's rename and the journal's reset), records the snapshot already includes
 * are skipped, never applied twice, and the journal is rewritten to continue the snapshot.
 *
 * Erasing (erase.ts, compaction.ts): first, leftover `.tmp` files and held `.erase` copies that
 * are no longer the live files are overwritten with zeros and removed. A journal rewrite holds
 * the old journal and erases it the same way once the new one is durable. A held name that is
 * still the live file is reported as {@link Loaded.erasePending}: the store then compacts before
 * it is used. Bytes of the files read that no state refers to (records skipped or dropped) are
 * zeroed in memory.
 *
 * @packageDocumentation
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, ioError } from './errors.js';
import { erasePending, eraseReleased, holdForErase } from './erase.js';
import { fsyncDir, readIfExists, replaceFile } from './files.js';
import {
  HEADER_SIZE,
  JOURNAL_FILE,
  SNAPSHOT_FILE,
  decodeHeader,
  decodeSnapshot,
  encodeHeader,
  scanJournal,
} from './format.js';
import { DeviceState, type OpTarget } from './state.js';

/** A loaded state directory, ready for appending. */
export interface Loaded {
  /** The state (the store stages new changes in it). */
  state: DeviceState;
  /** A second copy that receives durable changes only (the store's snapshots). */
  committed: DeviceState;
  /** The journal, open for writing at {@link journalBytes}. */
  journal: FileHandle;
  journalBytes: number;
  /** Records in the journal. */
  journalRecords: number;
  snapshotBytes: number;
  lastSeq: number;
  tornBytes: number;
  /** A compaction was interrupted before it replaced the files it was to erase: compact again. */
  erasePending: boolean;
}

/** Loads the (locked) state directory `dir`, recovering as described above. */
export async function loadState(dir: string): Promise<Loaded> {
  const snapPath = join(dir, SNAPSHOT_FILE);
  const journalPath = join(dir, JOURNAL_FILE);
  let pending: boolean;
  try {
    pending = await erasePending(dir);
    await eraseReleased(dir);
  } catch (e) {
    throw ioError(`erasing leftovers in ${dir}`, e, dir);
  }
  const state = new DeviceState();
  // Only the committed copy zeroes the bytes that records stop referring to: here both copies
  // share every record, and the staged one applies each op after it (see device_store.ts).
  const committed = new DeviceState((bytes) => bytes.fill(0));
  const both: OpTarget = {
    apply(op) {
      committed.apply(op);
      return state.apply(op);
    },
  };
  const snap = await readIfExists(snapPath);
  const snapSeq = snap === undefined ? 0 : decodeSnapshot(snap, snapPath, both);
  const jbuf = await readIfExists(journalPath);
  let journalRecords = 0;
  let lastSeq = snapSeq;
  let tornBytes = 0;
  let rewrite: Uint8Array | undefined;
  if (jbuf === undefined) {
    rewrite = encodeHeader('journal', snapSeq, 0);
  } else {
    const { seq: base } = decodeHeader(jbuf, journalPath, 'journal');
    if (snap === undefined && base > 0) {
      throw new StoreError(
        'ERR_STORAGE_CORRUPTED',
        `${journalPath}: the journal continues after sequence ${base} but ${snapPath} is missing`,
        { file: snapPath, offset: 0 },
      );
    }
    if (base > snapSeq) {
      throw new StoreError(
        'ERR_STORAGE_CORRUPTED',
        `${journalPath}: the journal starts after sequence ${base} but ${snapPath} ends at ${snapSeq} (records missing)`,
        { file: journalPath, offset: 8 },
      );
    }
    const scan = scanJournal(jbuf, journalPath, base, snapSeq, both);
    lastSeq = Math.max(snapSeq, scan.lastSeq);
    tornBytes = jbuf.length - scan.goodEnd;
    journalRecords = lastSeq - snapSeq;
    if (base !== snapSeq || scan.torn !== undefined) {
      const kept = jbuf.subarray(scan.keepFrom, scan.goodEnd);
      rewrite = new Uint8Array(HEADER_SIZE + kept.length);
      rewrite.set(encodeHeader('journal', snapSeq, 0), 0);
      rewrite.set(kept, HEADER_SIZE);
    }
    // Skipped records and a torn tail: no state refers to those bytes.
    jbuf.fill(0, HEADER_SIZE, scan.keepFrom);
    jbuf.fill(0, scan.goodEnd);
  }
  const journalBytes = rewrite?.length ?? jbuf?.length ?? 0;
  let journal: FileHandle;
  try {
    if (rewrite !== undefined) {
      if (jbuf !== undefined) await holdForErase(dir, [JOURNAL_FILE]);
      journal = await replaceFile(journalPath, rewrite);
      rewrite.fill(0);
      await fsyncDir(dir);
      await eraseReleased(dir);
    } else {
      journal = await open(journalPath, 'r+');
    }
  } catch (e) {
    throw ioError(
      `${rewrite === undefined ? 'opening' : 'rewriting'} ${journalPath}`,
      e,
      journalPath,
    );
  }
  return {
    state,
    committed,
    journal,
    journalBytes,
    journalRecords,
    snapshotBytes: snap?.length ?? 0,
    lastSeq,
    tornBytes,
    erasePending: pending,
  };
}
