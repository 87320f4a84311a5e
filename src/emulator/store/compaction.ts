/**
 * Compaction: the whole committed state is written as a new snapshot, the journal starts afresh
 * from its sequence, and the replaced files' bytes are overwritten with zeros (erase.ts), so that
 * no record that is no longer part of the state, such as a removed key, stays in the state
 * directory or in the blocks its files used to occupy.
 *
 * Steps (each one durable before the next starts):
 * 0. Leftovers of an earlier interrupted compaction are erased (see step 4).
 * 1. `held`: `snapshot.bin` and `journal.bin` are hard-linked as `snapshot.bin.erase` and
 *    `journal.bin.erase`; directory fsynced.
 * 2. `snapshot`: `snapshot.bin.tmp` is written, fsynced and renamed over `snapshot.bin`;
 *    directory fsynced.
 * 3. `journal`: `journal.bin.tmp` (header only, continuing from the snapshot's sequence) is
 *    written, fsynced and renamed over `journal.bin`; directory fsynced.
 * 4. `overwritten`: the `.erase` files (the old inodes) and any `.tmp` leftover are overwritten
 *    with zeros over their whole length and fdatasynced; then they are unlinked and the
 *    directory is fsynced.
 *
 * The new state is durable (step 3) before any old byte is destroyed (step 4). A crash:
 * - before step 2's rename: old snapshot + old journal, held names that are the live files (a
 *   pending erase) and maybe a `.tmp`. Open erases the `.tmp`, loads the old pair, and, seeing a
 *   held name that is a live file, compacts again before the store is used.
 * - between step 2's rename and step 3's: new snapshot + old journal (its records up to the
 *   snapshot's sequence are skipped on load, never applied twice, and the journal is rewritten
 *   to continue the snapshot); `snapshot.bin.erase` is the old snapshot; `journal.bin.erase`
 *   was the live journal, so open erases both old files and compacts again.
 * - after step 3's rename: new snapshot + new journal; open erases the `.erase` files (partly
 *   zeroed or not) and any `.tmp`.
 * In every case the live pair loads; the `.erase` and `.tmp` files are never loaded.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { type StoreError, ioError } from './errors.js';
import type { DataFiles } from './data_files.js';
import { eraseReleased, holdForErase } from './erase.js';
import { fsyncDir, replaceFile } from './files.js';
import {
  HEADER_SIZE,
  JOURNAL_FILE,
  SNAPSHOT_FILE,
  encodeHeader,
  encodeSnapshot,
} from './format.js';
import type { CompactionStep, StoreOptions } from './options.js';
import type { DeviceState } from './state.js';

/** When to compact, validated. */
export interface CompactionSettings {
  every: number;
  ratio: number;
  onStep: ((step: CompactionStep) => void | Promise<void>) | undefined;
}

/**
 * Validates the compaction options of {@link StoreOptions}.
 *
 * @throws RangeError for a `compactEvery` that is not a positive integer or a negative ratio.
 * @example
 * ```ts
 * compactionSettings({ compactEvery: 1000 }); // { every: 1000, ratio: 0.25, onStep: undefined }
 * ```
 */
export function compactionSettings(options: StoreOptions): CompactionSettings {
  const every = options.compactEvery ?? 10_000;
  const ratio = options.compactRatio ?? 0.25;
  if (!Number.isSafeInteger(every) || every < 1) {
    throw new RangeError('compactEvery must be a positive integer');
  }
  if (!(ratio >= 0)) throw new RangeError('compactRatio must be >= 0');
  return { every, ratio, onStep: options.onCompactionStep };
}

/**
 * Compacts a store's {@link DataFiles} from its committed state, now or when due. The store runs
 * it between journal writes (never during one).
 *
 * @example
 * ```ts
 * const compaction = new Compaction(files, committed, compactionSettings({}), (e) => e);
 * await compaction.now();
 * ```
 */
export class Compaction {
  readonly #files: DataFiles;
  readonly #committed: DeviceState;
  readonly #settings: CompactionSettings;
  readonly #fail: (e: StoreError) => StoreError;
  #count = 0;
  #lastError: string | undefined;
  #retryAt = 0;

  /**
   * @param fail - called when a failure leaves the journal unsafe to append to (the store then
   *   refuses mutations); returns the error to throw.
   */
  constructor(
    files: DataFiles,
    committed: DeviceState,
    settings: CompactionSettings,
    fail: (e: StoreError) => StoreError,
  ) {
    this.#files = files;
    this.#committed = committed;
    this.#settings = settings;
    this.#fail = fail;
  }

  /** Compactions done since open. */
  get count(): number {
    return this.#count;
  }

  /** Why the last automatic compaction failed (the journal stays valid), if it did. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Compacts when the journal has grown enough; a failure is kept in {@link lastError}. */
  async ifDue(): Promise<void> {
    const f = this.#files;
    const due =
      f.journalRecords >= Math.max(this.#settings.every, this.#retryAt) &&
      f.journalBytes - HEADER_SIZE >= f.snapshotBytes * this.#settings.ratio;
    if (!due) return;
    try {
      await this.now();
      this.#lastError = undefined;
    } catch (e) {
      // The journal still holds everything; retry after another `every` records.
      this.#lastError = e instanceof Error ? e.message : String(e);
      this.#retryAt = f.journalRecords + this.#settings.every;
    }
  }

  /** Compacts now, erasing the replaced files (steps in the module comment). */
  async now(): Promise<void> {
    const f = this.#files;
    const step = this.#settings.onStep;
    const image = encodeSnapshot(this.#committed, f.lastSeq);
    try {
      try {
        await eraseReleased(f.dir);
        await holdForErase(f.dir);
      } catch (e) {
        throw ioError(`holding the files of ${f.dir} for erasing`, e, f.dir);
      }
      await step?.('held');
      await this.#replaceSnapshot(image);
    } finally {
      image.fill(0); // it holds every key: no copy left behind in memory
    }
    await step?.('snapshot');
    await this.#resetJournal();
    await step?.('journal');
    try {
      await eraseReleased(f.dir, async () => {
        await step?.('overwritten');
      });
    } catch (e) {
      // The new state is durable; the held files are erased by the next compaction or open.
      throw ioError(`erasing the replaced files in ${f.dir}`, e, f.dir);
    }
  }

  async #replaceSnapshot(image: Uint8Array): Promise<void> {
    const { dir } = this.#files;
    const path = join(dir, SNAPSHOT_FILE);
    try {
      await (await replaceFile(path, image)).close();
      await fsyncDir(dir);
    } catch (e) {
      // The journal still holds every record: nothing is lost, compaction is retried later.
      throw ioError(`writing ${path}`, e, path);
    }
    this.#files.snapshotBytes = image.length;
  }

  async #resetJournal(): Promise<void> {
    const f = this.#files;
    const path = join(f.dir, JOURNAL_FILE);
    const header = encodeHeader('journal', f.lastSeq, 0);
    let fresh: FileHandle;
    try {
      fresh = await replaceFile(path, header);
    } catch (e) {
      // The old journal is still in place and continues the new snapshot's sequence.
      throw ioError(`resetting ${path}`, e, path);
    }
    const old = f.journal;
    f.journal = fresh;
    f.journalBytes = header.length;
    f.journalRecords = 0;
    this.#retryAt = 0;
    this.#count++;
    await old.close().catch(() => undefined);
    try {
      await fsyncDir(f.dir);
    } catch (e) {
      // Appending to a journal whose rename may not be durable could lose records on a crash.
      throw this.#fail(ioError(`syncing ${f.dir}`, e, f.dir));
    }
  }
}
