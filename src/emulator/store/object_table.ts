/**
 * The token's objects in memory: by handle, plus an index of the objects bound to each key slot
 * and foreign slot, so that freeing a slot (or a whole wallet) removes its objects in time
 * proportional to what is removed. Also the running attrs total and the highest handle ever used.
 *
 * @packageDocumentation
 */
import type { ObjectRecord } from './token_records.js';

/** Binding codes of the protocol's `object_binding`. */
const KEY_SLOT = 1;
const FOREIGN_SLOT = 2;

/** The token's object store (in memory). */
export class ObjectTable {
  /** Objects by handle; inserted in ascending handle order (see {@link sorted}). */
  readonly #objects = new Map<number, ObjectRecord>();
  readonly #byKeySlot = new Map<number, Set<number>>();
  readonly #byForeignSlot = new Map<number, Set<number>>();
  #bytes = 0;
  #highHandle = 0;
  /** False once a handle was inserted below a larger one (only replays of odd journals). */
  #ordered = true;
  readonly #discard: ((attrs: Uint8Array) => void) | undefined;

  /** @param discard - receives the attrs of every object removed or replaced (to zero them). */
  constructor(discard?: (attrs: Uint8Array) => void) {
    this.#discard = discard;
  }

  /** Number of objects. */
  get size(): number {
    return this.#objects.size;
  }

  /** Sum of the attrs sizes of all objects. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The highest handle ever used on this device (0: none). */
  get highHandle(): number {
    return this.#highHandle;
  }

  get(handle: number): ObjectRecord | undefined {
    return this.#objects.get(handle);
  }

  /** All objects in ascending handle order. */
  sorted(): Iterable<ObjectRecord> {
    if (this.#ordered) return this.#objects.values();
    return [...this.#objects.values()].sort((a, b) => a.handle - b.handle);
  }

  #index(rec: ObjectRecord): Map<number, Set<number>> | undefined {
    if (rec.binding === KEY_SLOT) return this.#byKeySlot;
    if (rec.binding === FOREIGN_SLOT) return this.#byForeignSlot;
    return undefined;
  }

  /** Inserts or replaces an object. */
  put(rec: ObjectRecord): void {
    const old = this.#objects.get(rec.handle);
    if (old !== undefined) this.#drop(old);
    else if (rec.handle < this.#highHandle) this.#ordered = false;
    this.#objects.set(rec.handle, rec);
    this.#bytes += rec.attrs.length;
    this.raiseFloor(rec.handle);
    const index = this.#index(rec);
    if (index !== undefined) {
      let set = index.get(rec.slot);
      if (set === undefined) {
        set = new Set();
        index.set(rec.slot, set);
      }
      set.add(rec.handle);
    }
  }

  /** Removes an object; false when there was none. */
  remove(handle: number): boolean {
    const old = this.#objects.get(handle);
    if (old === undefined) return false;
    this.#drop(old);
    this.#objects.delete(handle);
    if (this.#objects.size === 0) this.#ordered = true;
    return true;
  }

  /** Removes every object (the highest handle stays: handles are never reused). */
  clear(): void {
    if (this.#discard !== undefined) for (const o of this.#objects.values()) this.#discard(o.attrs);
    this.#objects.clear();
    this.#byKeySlot.clear();
    this.#byForeignSlot.clear();
    this.#bytes = 0;
    this.#ordered = true;
  }

  /** Records that every handle up to `handle` has been used. */
  raiseFloor(handle: number): void {
    if (handle > this.#highHandle) this.#highHandle = handle;
  }

  /** Removes the objects bound to a key slot (`foreign` false) or a foreign slot. */
  unbind(slot: number, foreign: boolean): void {
    const index = foreign ? this.#byForeignSlot : this.#byKeySlot;
    const handles = index.get(slot);
    if (handles === undefined) return;
    for (const handle of [...handles]) this.remove(handle);
  }

  /** Handles of the objects bound to a key slot or foreign slot. */
  boundTo(slot: number, foreign: boolean): number[] {
    return [...((foreign ? this.#byForeignSlot : this.#byKeySlot).get(slot) ?? [])];
  }

  #drop(old: ObjectRecord): void {
    this.#bytes -= old.attrs.length;
    this.#discard?.(old.attrs);
    const index = this.#index(old);
    const set = index?.get(old.slot);
    if (index === undefined || set === undefined) return;
    set.delete(old.handle);
    if (set.size === 0) index.delete(old.slot);
  }
}
