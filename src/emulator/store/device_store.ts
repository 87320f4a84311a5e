/**
 * {@link DeviceStore}: the emulator's durable device state in a state directory.
 *
 * Files (layout in format.ts): `journal.bin` (append-only, checksummed, sequenced records),
 * `snapshot.bin` (the whole state up to a sequence), `lock` (owner pid); all 0600, the directory
 * 0700 when the store creates it.
 *
 * Durability: a mutation resolves only after its record was written and `fdatasync`ed. Queued
 * mutations are written in call order, several per write + sync (group commit), and applied to
 * memory after the sync, by decoding the very bytes written (so replay gives the same state).
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
 * the disk is unknown, so the state must be reloaded by reopening.
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
import { Fifo } from './fifo.js';
import { loadState } from './load.js';
import { DirLock } from './lock.js';
import type { StoreOptions, StoreStats } from './options.js';
import { RecordKind, type ForeignKeyRecord, type KeyRecord, type Op } from './records.js';
import type { DeviceState } from './state.js';

type Pending =
  | {
      kind: 'record';
      bytes: Uint8Array;
      resolve(removed: number[]): void;
      reject(e: unknown): void;
    }
  | { kind: 'task'; run(): Promise<void>; resolve(): void; reject(e: unknown): void };

const MAX_BATCH_RECORDS = 4096;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

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
  readonly #state: DeviceState;
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
  #compactionError: string | undefined;
  #retryCompactionAt = 0;
  readonly #queue = new Fifo<Pending>();
  #draining = false;
  #failed: StoreError | undefined;
  #closing: Promise<void> | undefined;

  private constructor(init: {
    dir: string;
    state: DeviceState;
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

  /** Current figures. */
  get stats(): StoreStats {
    return {
      records: this.#journalRecords,
      lastSeq: this.#lastSeq,
      loadMs: this.#loadMs,
      keys: this.#state.keys.size,
      foreignKeys: this.#state.foreign.size,
      settings: this.#state.settings.size,
      journalBytes: this.#journalBytes,
      snapshotBytes: this.#snapshotBytes,
      compactions: this.#compactions,
      tornBytesDropped: this.#tornBytes,
      lastCompactionError: this.#compactionError,
    };
  }

  // --- mutations -------------------------------------------------------------------------------

  /** Stores (or replaces) a key. The record's bytes are copied. */
  async putKey(rec: KeyRecord): Promise<void> {
    await this.#submit({ kind: RecordKind.PutKey, rec });
  }

  /** Removes keys and all their descendants; resolves to every slot removed. */
  removeKeys(slots: readonly number[]): Promise<number[]> {
    return this.#submit({ kind: RecordKind.RemoveKeys, slots: [...slots] });
  }

  /** Stores (or replaces) a foreign public key. */
  async putForeign(rec: ForeignKeyRecord): Promise<void> {
    await this.#submit({ kind: RecordKind.PutForeign, rec });
  }

  /** Removes a foreign public key. */
  async removeForeign(slot: number): Promise<void> {
    await this.#submit({ kind: RecordKind.RemoveForeign, slot });
  }

  /** Permanently disables public export of an own (`foreign` false) or foreign key. */
  async setExportDisabled(slot: number, foreign: boolean): Promise<void> {
    await this.#submit({ kind: RecordKind.DisableExport, slot, foreign });
  }

  /** Stores a setting (name: 1..65535 UTF-8 bytes; value: up to 16 MiB, copied). */
  async putSetting(name: string, value: Uint8Array): Promise<void> {
    await this.#submit({ kind: RecordKind.PutSetting, name, value });
  }

  /** Deletes a setting. */
  async deleteSetting(name: string): Promise<void> {
    await this.#submit({ kind: RecordKind.DeleteSetting, name });
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

  #submit(op: Op): Promise<number[]> {
    const refusal = this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    let bytes: Uint8Array;
    try {
      bytes = frameRecord(op);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new TypeError(String(e)));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'record', bytes, resolve, reject });
      this.#kick();
    });
  }

  #task(run: () => Promise<void>, always = false): Promise<void> {
    const refusal = always ? undefined : this.#refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: 'task', run, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = true;
    // A microtask later, so calls made in the same tick share one write + sync.
    queueMicrotask(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const head = this.#queue.peek();
      if (head?.kind === 'task') {
        this.#queue.shift();
        try {
          await head.run();
          head.resolve();
        } catch (e) {
          head.reject(e);
        }
        continue;
      }
      const batch: Extract<Pending, { kind: 'record' }>[] = [];
      let size = 0;
      while (batch.length < MAX_BATCH_RECORDS && size < MAX_BATCH_BYTES) {
        const next = this.#queue.peek();
        if (next?.kind !== 'record') break;
        this.#queue.shift();
        batch.push(next);
        size += next.bytes.length;
      }
      await this.#commit(batch, size);
      if (this.#compactionDue()) {
        try {
          await this.#compactNow();
          this.#compactionError = undefined;
        } catch (e) {
          // The journal still holds everything; retry after another compactEvery records.
          this.#compactionError = e instanceof Error ? e.message : String(e);
          this.#retryCompactionAt = this.#journalRecords + this.#compactEvery;
        }
      }
    }
    this.#draining = false;
  }

  #compactionDue(): boolean {
    return (
      this.#failed === undefined &&
      this.#journalRecords >= Math.max(this.#compactEvery, this.#retryCompactionAt) &&
      this.#journalBytes - HEADER_SIZE >= this.#snapshotBytes * this.#compactRatio
    );
  }

  async #commit(batch: Extract<Pending, { kind: 'record' }>[], size: number): Promise<void> {
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
    this.#journalBytes += size;
    this.#journalRecords += batch.length;
    this.#lastSeq = seq;
    for (const p of batch) {
      try {
        p.resolve(this.#state.apply(recordOp(p.bytes)));
      } catch (e) {
        // Cannot happen for records this module framed; refuse to diverge from the disk if it does.
        this.#failed = new StoreError(
          'ERR_STORAGE_CORRUPTED',
          `applying record failed: ${String(e)}`,
        );
        p.reject(this.#failed);
      }
    }
  }

  async #compactNow(): Promise<void> {
    if (this.#failed !== undefined) throw this.#failed;
    const snapPath = join(this.dir, SNAPSHOT_FILE);
    const journalPath = join(this.dir, JOURNAL_FILE);
    const image = encodeSnapshot(this.#state, this.#lastSeq);
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
