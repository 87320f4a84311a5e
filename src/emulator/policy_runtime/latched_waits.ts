/**
 * Per-connection latched waits over a numbered series of records (perimeter events, taps): a
 * record since the connection's last completed wait (or since it attached) completes the next
 * wait at once and is consumed together with any later ones; otherwise the wait lasts until the
 * next record, its timeout (ERR_TIMEOUT) or its cancellation (ERR_CANCELLED).
 *
 * @packageDocumentation
 */
import { DeviceFault } from '../fault.js';

/** The "no limit" timeout of the wait commands. */
export const WAIT_FOREVER = 0xffff_ffff;

/** Where a series' records come from. */
export interface RecordSeries<T> {
  /** Records with a sequence number above `cursor`, oldest first. */
  after(cursor: number): readonly T[];
  /** Sequence number of the newest record so far (0 when none). */
  last(): number;
}

/** Latched waits of every connection over one series. */
export class LatchedWaits<T> {
  readonly #series: RecordSeries<T>;
  readonly #what: string;
  readonly #cursors = new Map<number, number>();
  readonly #waiters = new Set<() => void>();

  /**
   * @example
   * ```ts
   * const taps = new LatchedWaits({ after: (c) => tapsAfter(state, c), last: () => n }, 'tap');
   * ```
   */
  constructor(series: RecordSeries<T>, what: string) {
    this.#series = series;
    this.#what = what;
  }

  /** A connection completed HELLO: its latch starts empty. */
  attach(connectionId: number): void {
    this.#cursors.set(connectionId, this.#series.last());
  }

  /** A connection closed. */
  detach(connectionId: number): void {
    this.#cursors.delete(connectionId);
  }

  /** New records arrived: pending waits take them. */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * One connection's wait. `timeoutMs` 0 only checks the latch; {@link WAIT_FOREVER} waits
   * without limit.
   *
   * @throws DeviceFault `ERR_TIMEOUT` when the time runs out, `ERR_CANCELLED` when aborted.
   */
  wait(connectionId: number, timeoutMs: number, signal: AbortSignal): T | Promise<T> {
    if (!this.#cursors.has(connectionId)) this.attach(connectionId);
    const now = this.#take(connectionId);
    if (now !== undefined) return now;
    if (timeoutMs === 0) throw new DeviceFault('ERR_TIMEOUT', `no ${this.#what}`);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const end = (): void => {
        this.#waiters.delete(wake);
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      };
      const wake = (): void => {
        const record = this.#take(connectionId);
        if (record === undefined) return;
        end();
        resolve(record);
      };
      const abort = (): void => {
        end();
        reject(new DeviceFault('ERR_CANCELLED', 'wait cancelled'));
      };
      if (signal.aborted) {
        abort();
        return;
      }
      this.#waiters.add(wake);
      signal.addEventListener('abort', abort, { once: true });
      if (timeoutMs !== WAIT_FOREVER) {
        timer = setTimeout(() => {
          end();
          reject(new DeviceFault('ERR_TIMEOUT', `no ${this.#what} in ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  #take(connectionId: number): T | undefined {
    const [next] = this.#series.after(this.#cursors.get(connectionId) ?? 0);
    if (next !== undefined) this.#cursors.set(connectionId, this.#series.last());
    return next;
  }
}
