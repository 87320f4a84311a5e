/**
 * {@link DeviceStore}: the emulator's durable device state in a state directory.
 *
 * Files (layout in format.ts): `journal.bin` (append-only, checksummed, sequenced records),
 * `snapshot.bin` (the whole state up to a sequence), `lock` (owner pid); all 0600, the directory
 * 0700 when the store creates it. During a compaction, also `*.tmp` (being written) and
 * `*.erase` (replaced files held until overwritten).
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
 * Compaction (compaction.ts) writes the committed state as a new snapshot, starts a fresh
 * journal from its sequence, and overwrites the replaced files with zeros before it drops them
 * (erase.ts), each step durable before the next; any crash leaves a loadable pair of files, and
 * whatever was to be erased is erased at the next open. Byte arrays of records the committed
 * state drops (removed keys, replaced settings and verifiers, removed objects) are zeroed once
 * the change is durable.
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
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StoreError, ioError } from './errors.js';
import { Compaction, compactionSettings, type CompactionSettings } from './compaction.js';
import { appendRecords, type DataFiles } from './data_files.js';
import { ensureDir } from './files.js';
import { JOURNAL_FILE, frameRecord, recordOp } from './format.js';
import { CommitQueue, type PendingRecord } from './commit_queue.js';
import { loadState, type Loaded } from './load.js';
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
  /** Committed: durable changes only (what snapshots hold); zeroes the bytes it drops. */
  readonly #committed: DeviceState;
  readonly #lock: DirLock;
  readonly #loadMs: number;
  readonly #tornBytes: number;
  readonly #files: DataFiles;
  readonly #compaction: Compaction;
  #commits = 0;
  readonly #queue = new CommitQueue(
    (batch, size) => this.#commit(batch, size),
    () => (this.#failed === undefined ? this.#compaction.ifDue() : Promise.resolve()),
  );
  #failed: StoreError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    dir: string,
    loaded: Loaded,
    lock: DirLock,
    settings: CompactionSettings,
    loadMs: number,
  ) {
    this.dir = dir;
    this.#state = loaded.state;
    this.#committed = loaded.committed;
    this.#lock = lock;
    this.#files = {
      dir,
      journal: loaded.journal,
      journalBytes: loaded.journalBytes,
      journalRecords: loaded.journalRecords,
      snapshotBytes: loaded.snapshotBytes,
      lastSeq: loaded.lastSeq,
    };
    this.#compaction = new Compaction(
      this.#files,
      loaded.committed,
      settings,
      (e) => (this.#failed = e),
    );
    this.#loadMs = loadMs;
    this.#tornBytes = loaded.tornBytes;
  }

  /**
   * Opens (creating when needed) the state directory `dir`, takes its lock and loads the state.
   *
   * @throws StoreError `ERR_STORAGE_CORRUPTED`, `ERR_STORAGE_VERSION`, `ERR_STORAGE_LOCKED` or
   *   `ERR_STORAGE_IO`.
   */
  static async open(dir: string, options: StoreOptions = {}): Promise<DeviceStore> {
    const started = performance.now();
    const settings = compactionSettings(options); // RangeError before anything is touched
    const abs = resolve(dir);
    await ensureDir(abs);
    const lock = await DirLock.acquire(abs);
    let store: DeviceStore | undefined;
    try {
      const loaded = await loadState(abs);
      store = new DeviceStore(abs, loaded, lock, settings, performance.now() - started);
      // A compaction was cut short before it replaced the files it was to erase: finish it.
      if (loaded.erasePending) await store.compact();
      return store;
    } catch (e) {
      if (store !== undefined) await store.close().catch(() => undefined);
      else await lock.release().catch(() => undefined);
      throw e;
    }
  }

  // --- reads ---------------------------------------------------------------------------------

  /**
   * The key in `slot`, if any. Its private key and extra bytes are zeroed once a removal or
   * replacement of the key is durable: use them before the next change.
   */
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

  /**
   * A durable setting (policies, device secrets...). Do not modify the bytes returned; they are
   * zeroed once a deletion or replacement of the setting is durable.
   */
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
      records: this.#files.journalRecords,
      lastSeq: this.#files.lastSeq,
      loadMs: this.#loadMs,
      keys: this.#state.keys.size,
      foreignKeys: this.#state.foreign.size,
      settings: this.#state.settings.size,
      objects: this.#state.objects.size,
      journalBytes: this.#files.journalBytes,
      snapshotBytes: this.#files.snapshotBytes,
      compactions: this.#compaction.count,
      commits: this.#commits,
      tornBytesDropped: this.#tornBytes,
      lastCompactionError: this.#compaction.lastError,
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

  /**
   * Compacts now (after the mutations already queued), and erases: the old journal and snapshot
   * are overwritten with zeros in place before they are dropped (steps and crash windows in
   * compaction.ts). Once it resolves, the store's files hold no record that is not part of the
   * current state, such as a key removed before the call; automatic compactions do the same.
   *
   * @throws StoreError `ERR_STORAGE_IO`: the old files may not be erased yet (the next
   *   compaction or open erases them); the state itself is intact unless the store refuses
   *   further mutations.
   */
  compact(): Promise<void> {
    return this.#task(async () => {
      if (this.#failed !== undefined) throw this.#failed;
      await this.#compaction.now();
    });
  }

  /** Waits for queued mutations, then closes the files and releases the lock. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#task(async () => {
      await this.#files.journal.close().catch(() => undefined);
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

  async #commit(batch: PendingRecord[], size: number): Promise<void> {
    if (this.#failed !== undefined) {
      for (const p of batch) p.reject(this.#failed);
      return;
    }
    try {
      await appendRecords(this.#files, batch, size);
    } catch (e) {
      this.#failed = ioError(`appending to ${join(this.dir, JOURNAL_FILE)}`, e);
      for (const p of batch) p.reject(this.#failed);
      return;
    }
    this.#commits++;
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
}
