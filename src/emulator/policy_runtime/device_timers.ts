/**
 * The device's own timers: named ones that a new schedule replaces (the fatal-code reboot, the
 * end of a reset's busy window) and one-off delayed steps (quirk #114's dark LED). All are
 * unref'd, all end at {@link DeviceTimers.close}, and a step that fails is reported, not thrown.
 *
 * @packageDocumentation
 */

/** Timers of one running device. */
export class DeviceTimers {
  readonly #named = new Map<string, NodeJS.Timeout>();
  readonly #oneOff = new Set<NodeJS.Timeout>();
  readonly #failure: (error: unknown) => void;
  #closed = false;

  /**
   * @example
   * ```ts
   * const timers = new DeviceTimers((error) => internalErrors.push(error));
   * ```
   */
  constructor(failure: (error: unknown) => void) {
    this.#failure = failure;
  }

  /** Runs `fn` after `ms`, replacing any timer of the same `name`. */
  set(name: string, ms: number, fn: () => void | Promise<void>): void {
    this.cancel(name);
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#named.delete(name);
      this.#run(fn);
    }, ms);
    timer.unref();
    this.#named.set(name, timer);
  }

  /** Cancels the timer of `name`, if any. */
  cancel(name: string): void {
    const timer = this.#named.get(name);
    if (timer !== undefined) clearTimeout(timer);
    this.#named.delete(name);
  }

  /** Runs `fn` after `ms`, alongside any other. */
  later(ms: number, fn: () => void | Promise<void>): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#oneOff.delete(timer);
      this.#run(fn);
    }, ms);
    timer.unref();
    this.#oneOff.add(timer);
  }

  /** Cancels every timer; later schedules are ignored. */
  close(): void {
    this.#closed = true;
    for (const timer of [...this.#named.values(), ...this.#oneOff]) clearTimeout(timer);
    this.#named.clear();
    this.#oneOff.clear();
  }

  #run(fn: () => void | Promise<void>): void {
    if (this.#closed) return;
    try {
      const result = fn();
      if (result instanceof Promise) result.catch(this.#failure);
    } catch (error) {
      this.#failure(error);
    }
  }
}
