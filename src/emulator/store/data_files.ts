/**
 * The store's data files as it tracks them in memory ({@link DataFiles}), and appending a batch
 * of records to the journal (one write, one `fdatasync`: group commit). Compaction (compaction.ts)
 * replaces the files and resets the same figures.
 *
 * @packageDocumentation
 */
import type { FileHandle } from 'node:fs/promises';
import { writeAll } from './files.js';
import { sealRecord } from './format.js';

/** The data files as the store tracks them; appends and compactions update them in place. */
export interface DataFiles {
  /** The state directory (absolute). */
  readonly dir: string;
  /** The journal, open for appending at {@link journalBytes}. */
  journal: FileHandle;
  journalBytes: number;
  /** Records in the journal. */
  journalRecords: number;
  snapshotBytes: number;
  /** Sequence of the last durable record. */
  lastSeq: number;
}

/**
 * Seals framed records (format.ts) with the sequences after `files.lastSeq`, appends them to the
 * journal in one write, `fdatasync`s it and advances the figures of `files`. `size` is the sum of
 * the records' lengths.
 *
 * @throws the file system's error; `files` is then unchanged, and what reached the disk unknown.
 * @example
 * ```ts
 * await appendRecords(files, [{ bytes: frameRecord(op) }], size);
 * ```
 */
export async function appendRecords(
  files: DataFiles,
  records: readonly { readonly bytes: Uint8Array }[],
  size: number,
): Promise<void> {
  let seq = files.lastSeq;
  for (const r of records) sealRecord(r.bytes, ++seq);
  let data = records[0]?.bytes ?? new Uint8Array(0);
  if (records.length > 1) {
    data = new Uint8Array(size);
    let at = 0;
    for (const r of records) {
      data.set(r.bytes, at);
      at += r.bytes.length;
    }
  }
  try {
    await writeAll(files.journal, data, files.journalBytes);
    await files.journal.datasync();
  } finally {
    if (records.length > 1) data.fill(0); // a copy of the records: no key bytes left behind
  }
  files.journalBytes += size;
  files.journalRecords += records.length;
  files.lastSeq = seq;
}
