/**
 * The store's write queue: group commit. Records submitted in the same tick (and while a commit
 * is in flight) are written and synced together, up to a batch limit; tasks (compaction,
 * close) run between batches in submission order. The journal itself is the owner's business:
 * it provides `commit` for a batch and `afterCommit` (e.g. compaction when due).
 *
 * @packageDocumentation
 */
import { Fifo } from './fifo.js';
import type { Op } from './records.js';

/** One record waiting for its batch's write + sync. */
export interface PendingRecord {
  kind: 'record';
  bytes: Uint8Array;
  op: Op;
  /** What applying the op to the staged state returned (removed slots). */
  result: number[];
  onDurable: (() => void) | undefined;
  resolve(removed: number[]): void;
  reject(e: unknown): void;
}

interface PendingTask {
  kind: 'task';
  run(): Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

const MAX_BATCH_RECORDS = 4096;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Runs records in batches and tasks one by one, in submission order. */
export class CommitQueue {
  readonly #queue = new Fifo<PendingRecord | PendingTask>();
  readonly #commit: (batch: PendingRecord[], size: number) => Promise<void>;
  readonly #afterCommit: () => Promise<void>;
  #draining = false;

  constructor(
    commit: (batch: PendingRecord[], size: number) => Promise<void>,
    afterCommit: () => Promise<void>,
  ) {
    this.#commit = commit;
    this.#afterCommit = afterCommit;
  }

  /** Queues a record; its own resolve/reject settle once its batch is durable (or failed). */
  pushRecord(record: Omit<PendingRecord, 'kind'>): void {
    this.#queue.push({ kind: 'record', ...record });
    this.#kick();
  }

  /** Queues a task to run after everything submitted before it. */
  runTask(run: () => Promise<void>): Promise<void> {
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
      const batch: PendingRecord[] = [];
      let size = 0;
      while (batch.length < MAX_BATCH_RECORDS && size < MAX_BATCH_BYTES) {
        const next = this.#queue.peek();
        if (next?.kind !== 'record') break;
        this.#queue.shift();
        batch.push(next);
        size += next.bytes.length;
      }
      await this.#commit(batch, size);
      await this.#afterCommit();
    }
    this.#draining = false;
  }
}
