/**
 * {@link DeviceStore}: the emulator's durable device state in a state directory.
 *
 * Files (layout in format.ts): `journal.bin` (append-only, checksummed, sequenced records),
 * `snapshot.bin` (the whole state up to a sequence), `lock` (owner pid); all 0600, the directory
 * 0700 when the store creates it.
 *
 * Durability: a mutation resolves only after its record was written and `fdatasync`ed. Queued
 * mutations are written in call order, several per write + sync (group commit).
 *
 * Two copies of the state: reads see the *staged* state, to which a mutation is applied as soon
 * as it is submitted (by decoding the very bytes that will be written, so replay gives the same
 * state), so that a caller can submit the next change on top of it without waiting for the disk
 * (the emulator pipelines its mutations this way, and many share one sync). The *committed* copy
 * receives each record once it is durable, in the same order; snapshots are taken from it, so a
 * snapshot holds exactly the records up to its sequence. Per record, an `onDurable` callback runs
 * in commit order, before the record's promise resolves.
 *
 * Compaction writes `snapshot.bin.tmp`, fsyncs it, renames it over `snapshot.bin`, fsyncs the
 * directory, then writes `journal.bin.tmp` (header only, continuing from the snapshot's
 * sequence), fsyncs it, renames it over `journal.bin` and fsyncs the directory. A crash at any
 * point leaves either the old snapshot with the old journal, or the new snapshot with the old
 * journal (whose records up to the snapshot's sequence are skipped on load: never applied
 * twice), or the new snapshot with the new journal. Leftover `.tmp` files are deleted on open.
 *
 * Open-time recovery (torn journal tail, interrupted compaction) and what counts as corruption
 * are described in load.ts.
 *
 * After a failed write or sync the store refuses further mutations (ERR_STORAGE_IO): what reached
 * the disk is unknown, so the state must be reloaded by reopening (until then the staged state
 * still shows the changes that failed).
 *
 * @packageDocumentation
 */
import { type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StoreError, ioError } from './errors.js';
import { ensureDir, fsyncDir, replaceFile, writeAll } from './files.js';
import {
  HEADER_SIZE,
  JOURNAL_FILE,
  SNAPSHOT_FILE,
  encodeHeader,
  encodeSnapshot,
  frameRecord,
  recordOp,
  sealRecord,
} from './format.js';
import { CommitQueue, type PendingRecord } from './commit_queue.js';
import { loadState } from './load.js';
import { DirLock } from './lock.js';
import type { StoreOptions, StoreStats } from './options.js';
import { RecordKind, type ForeignKeyRecord, type KeyRecord, type Op } from './records.js';
import type { DeviceState } from './state.js';
import type { ObjectRecord, PinRole, TokenSettings } from './token_records.js';

/** Options of every mutation. */
export interface WriteOptions {
  /**
   * Called once the record is durable, in commit order, before the mutation's promise resolves
   * (not called when the write fails). It must not throw.
   */
  onDurable?: () => void;
}

/**
 * The durable device state of one emulator. Reads are synchronous from memory; each mutation
 * resolves once durable. Open with {@link DeviceStore.open}; call {@link close} when done.
 *
 * @example
 * ```ts
 * const store = await DeviceStore.open('/var/lib/zkbridge/dev0');
 * await store.putKey({ slot: 16, type: 0, privateKey, publicKey, exportDisabled: false, origin: 'generated' });
 * store.getKey(16)?.publicKey;
 * await store.close();
 * ```
 */
export class DeviceStore {
  /** Absolute path of the state directory. */
  readonly dir: string;
  /** Staged: every submitted change (what reads see). */
  readonly #state: DeviceState;
  /** Committed: durable changes only (what snapshots hold). */
  readonly #committed: DeviceState;
  readonly #lock: DirLock;
  readonly #compactEvery: number;
  readonly #compactRatio: number;
  readonly #loadMs: number;
  readonly #tornBytes: number;
  #journal: FileHandle;
  #journalBytes: number;
  #journalRecords: number;
  #snapshotBytes: number;
  #lastSeq: number;
  #compactions = 0;
  #commits = 0;
  #compactionError: string | undefined;
  #retryCompactionAt = 0;
  readonly #queue = new CommitQueue(
    (batch, size) => this.#commit(batch, size),
    () => this.#compactIfDue(),
  );
  #failed: StoreError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    dir: string;
    state: DeviceState;
    committed: DeviceState;
    lock: DirLock;
    journal: FileHandle;
    journalBytes: number;
    journalRecords: number;
    snapshotBytes: number;
    lastSeq: number;
    compactEvery: number;
    compactRatio: number;
    loadMs: number;
    tornBytes: number;
  }) {
    this.dir = init.dir;
    this.#state = init.state;
    this.#committed = init.committed;
    this.#lock = init.lock;
    this.#journal = init.journal;
    this.#journalBytes = init.journalBytes;
    this.#journalRecords = init.journalRecords;
    this.#snapshotBytes = init.snapshotBytes;
    this.#lastSeq = init.lastSeq;
    this.#compactEvery = init.compactEvery;
    this.#compactRatio = init.compactRatio;
    this.#loadMs = init.loadMs;
    this.#tornBytes = init.tornBytes;
  }

  /**
   * Opens (creating when needed) the state directory `dir`, takes its lock and loads the state.
   *
   * @throws StoreError `ERR_STORAGE_CORRUPTED`, `ERR_STORAGE_VERSION`, `ERR_STORAGE_LOCKED` or
   *   `ERR_STORAGE_IO`.
   */
  static async open(dir: string, options: StoreOptions = {}): Promise<DeviceStore> {
    const started = performance.now();
    const compactEvery = options.compactEvery ?? 10_000;
    const compactRatio = options.compactRatio ?? 0.25;
    if (!Number.isSafeInteger(compactEvery) || compactEvery < 1) {
      throw new RangeError('compactEvery must be a positive integer');
    }
    if (!(compactRatio >= 0)) throw new RangeError('compactRatio must be >= 0');
    const abs = resolve(dir);
    await ensureDir(abs);
    const lock = await DirLock.acquire(abs);
    try {
      const loaded = await loadState(abs);
      return new DeviceStore({
        ...loaded,
        dir: abs,
        lock,
        compactEvery,
        compactRatio,
        loadMs: performance.now() - started,
      });
    } catch (e) {
      await lock.release().catch(() => undefined);
      throw e;
    }
  }

  // --- reads ---------------------------------------------------------------------------------

  /** The key in `slot`, if any. */
  getKey(slot: number): KeyRecord | undefined {
    return this.#state.keys.get(slot);
  }

  /** All keys, in insertion order. */
  keys(): IterableIterator<KeyRecord> {
    return this.#state.keys.values();
  }

  /** Slots of the keys whose parent is `slot`. */
  childrenOf(slot: number): number[] {
    return [...(this.#state.children.get(slot) ?? [])];
  }

  /** Slots of all descendants of `slot` (what {@link removeKeys} would also remove). */
  descendantsOf(slot: number): number[] {
    return this.#state.subtree(slot).slice(1);
  }

  /** The foreign public key in `slot`, if any. */
  getForeign(slot: number): ForeignKeyRecord | undefined {
    return this.#state.foreign.get(slot);
  }

  /** All foreign public keys. */
  foreignKeys(): IterableIterator<ForeignKeyRecord> {
    return this.#state.foreign.values();
  }

  /** A durable setting (policies, device secrets...). Do not modify the bytes returned. */
  getSetting(name: string): Uint8Array | undefined {
    return this.#state.settings.get(name);
  }

  /** Names of all settings. */
  settingNames(): IterableIterator<string> {
    return this.#state.settings.keys();
  }

  /** The token's settings, PIN verifiers and try counters; undefined until first written. */
  get token(): TokenSettings | undefined {
    return this.#state.token;
  }

  /** The token object with this handle, if any. */
  getObject(handle: number): ObjectRecord | undefined {
    return this.#state.objects.get(handle);
  }

  /** All token objects, in ascending handle order. */
  objects(): Iterable<ObjectRecord> {
    return this.#state.objects.sorted();
  }

  /** Number of token objects. */
  get objectCount(): number {
    return this.#state.objects.size;
  }

  /** Sum of the attrs sizes of all token objects. */
  get objectBytes(): number {
    return this.#state.objects.bytes;
  }

  /** The highest object handle ever used (0: none); new handles must be above it. */
  get highHandle(): number {
    return this.#state.objects.highHandle;
  }

  /** Current figures. */
  get stats(): StoreStats {
    return {
      records: this.#journalRecords,
      lastSeq: this.#lastSeq,
      loadMs: this.#loadMs,
      keys: this.#state.keys.size,
      foreignKeys: this.#state.foreign.size,
      settings: this.#state.settings.size,
      objects: this.#state.objects.size,
      journalBytes: this.#journalBytes,
      snapshotBytes: this.#snapshotBytes,
      compactions: this.#compactions,
      commits: this.#commits,
      tornBytesDropped: this.#tornBytes,
      lastCompactionError: this.#compactionError,
    };
  }

  // --- mutations -------------------------------------------------------------------------------

  /** Stores (or replaces) a key. The record's bytes are copied. */
  async putKey(rec: KeyRecord, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.PutKey, rec }, options);
  }

  /** Removes keys and all their descendants; resolves to every slot removed. */
  removeKeys(slots: readonly number[], options?: WriteOptions): Promise<number[]> {
    return this.#submit({ kind: RecordKind.RemoveKeys, slots: [...slots] }, options);
  }

  /** Stores (or replaces) a foreign public key. */
  async putForeign(rec: ForeignKeyRecord, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.PutForeign, rec }, options);
  }

  /** Removes a foreign public key. */
  async removeForeign(slot: number, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.RemoveForeign, slot }, options);
  }

  /** Permanently disables public export of an own (`foreign` false) or foreign key. */
  async setExportDisabled(slot: number, foreign: boolean, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.DisableExport, slot, foreign }, options);
  }

  /** Stores a setting (name: 1..65535 UTF-8 bytes; value: up to 16 MiB, copied). */
  async putSetting(name: string, value: Uint8Array, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.PutSetting, name, value }, options);
  }

  /** Deletes a setting. */
  async deleteSetting(name: string, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.DeleteSetting, name }, options);
  }

  /**
   * Replaces the token's settings; with `wipeObjects`, every token object is removed in the same
   * record (TOKEN_INIT).
   */
  async putToken(token: TokenSettings, wipeObjects = false, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.PutToken, token, wipeObjects }, options);
  }

  /** Sets the try counter of the SO or user PIN (ignored before the token is first written). */
  async setPinTries(role: PinRole, tries: number, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.SetPinTries, role, tries }, options);
  }

  /** Stores (or replaces) a token object. The attrs are copied. */
  async putObject(rec: ObjectRecord, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.PutObject, rec }, options);
  }

  /** Removes a token object. */
  async removeObject(handle: number, options?: WriteOptions): Promise<void> {
    await this.#submit({ kind: RecordKind.RemoveObject, handle }, options);
  }

  /** Compacts now (after the mutations already queued). */
  compact(): Promise<void> {
    return this.#task(() => this.#compactNow());
  }

  /** Waits for queued mutations, then closes the files and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#task(async () => {
      await this.#journal.close().catch(() => undefined);
      await this.#lock.release();
    }, true);
    return this.#closing;
  }

  #refusal(): StoreError | undefined {
    if (this.#closing !== undefined) {
      return new StoreError('ERR_STORAGE_CLOSED', `the store ${this.dir} is closed`);
    }
    return this.#failed;
  }

  #submit(op: Op, options: WriteOptions = {}): Promise<number[]> {
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    let bytes: Uint8Array;
    let framed: Op;
    let result: number[];
    try {
      bytes = frameRecord(op);
      // Staged now, from the bytes to be written (sealing later touches only seq and CRCs).
      framed = recordOp(bytes);
      result = this.#state.apply(framed);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new TypeError(String(e)));
    }
    return new Promise((resolve, reject) => {
      this.#queue.pushRecord({
        bytes,
        op: framed,
        result,
        onDurable: options.onDurable,
        resolve,
        reject,
      });
    });
  }

  #task(run: () => Promise<void>, always = false): Promise<void> {
    const refusal = always ? undefined : this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#queue.runTask(run);
  }

  async #compactIfDue(): Promise<void> {
    if (!this.#compactionDue()) return;
    try {
      await this.#compactNow();
      this.#compactionError = undefined;
    } catch (e) {
      // The journal still holds everything; retry after another compactEvery records.
      this.#compactionError = e instanceof Error ? e.message : String(e);
      this.#retryCompactionAt = this.#journalRecords + this.#compactEvery;
    }
  }

  #compactionDue(): boolean {
    return (
      this.#failed === undefined &&
      this.#journalRecords >= Math.max(this.#compactEvery, this.#retryCompactionAt) &&
      this.#journalBytes - HEADER_SIZE >= this.#snapshotBytes * this.#compactRatio
    );
  }

  async #commit(batch: PendingRecord[], size: number): Promise<void> {
    if (this.#failed !== undefined) {
      for (const p of batch) p.reject(this.#failed);
      return;
    }
    let seq = this.#lastSeq;
    for (const p of batch) sealRecord(p.bytes, ++seq);
    let data = batch[0]?.bytes ?? new Uint8Array(0);
    if (batch.length > 1) {
      data = new Uint8Array(size);
      let at = 0;
      for (const p of batch) {
        data.set(p.bytes, at);
        at += p.bytes.length;
      }
    }
    try {
      await writeAll(this.#journal, data, this.#journalBytes);
      await this.#journal.datasync();
    } catch (e) {
      this.#failed = ioError(`appending to ${join(this.dir, JOURNAL_FILE)}`, e);
      for (const p of batch) p.reject(this.#failed);
      return;
    }
    this.#commits++;
    this.#journalBytes += size;
    this.#journalRecords += batch.length;
    this.#lastSeq = seq;
    for (const p of batch) {
      try {
        this.#committed.apply(p.op);
      } catch (e) {
        // Cannot happen for records this module framed; refuse to diverge from the disk if it does.
        this.#failed = new StoreError(
          'ERR_STORAGE_CORRUPTED',
          `applying record failed: ${String(e)}`,
        );
        p.reject(this.#failed);
        continue;
      }
      p.onDurable?.();
      p.resolve(p.result);
    }
  }

  async #compactNow(): Promise<void> {
    if (this.#failed !== undefined) throw this.#failed;
    const snapPath = join(this.dir, SNAPSHOT_FILE);
    const journalPath = join(this.dir, JOURNAL_FILE);
    const image = encodeSnapshot(this.#committed, this.#lastSeq);
    try {
      await (await replaceFile(snapPath, image)).close();
      await fsyncDir(this.dir);
    } catch (e) {
      // The journal still holds every record: nothing is lost, compaction is retried later.
      throw ioError(`writing ${snapPath}`, e, snapPath);
    }
    this.#snapshotBytes = image.length;
    const header = encodeHeader('journal', this.#lastSeq, 0);
    let fresh: FileHandle;
    try {
      fresh = await replaceFile(journalPath, header);
    } catch (e) {
      // The old journal is still in place and continues the new snapshot's sequence.
      throw ioError(`resetting ${journalPath}`, e, journalPath);
    }
    const old = this.#journal;
    this.#journal = fresh;
    this.#journalBytes = header.length;
    this.#journalRecords = 0;
    this.#retryCompactionAt = 0;
    this.#compactions++;
    await old.close().catch(() => undefined);
    try {
      await fsyncDir(this.dir);
    } catch (e) {
      // Appending to a journal whose rename may not be durable could lose records on a crash.
      this.#failed = ioError(`syncing ${this.dir}`, e, this.dir);
      throw this.#failed;
    }
  }
}
