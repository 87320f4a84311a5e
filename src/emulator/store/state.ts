/**
 * The in-memory device state: O(1) maps by slot and name, plus a parent -> children index so a
 * key with many dependents (wallet nodes) is removed in time proportional to what is removed.
 * Applying an {@link Op} is deterministic, so replaying the journal rebuilds the same state.
 *
 * The token's objects bound to a slot live exactly as long as the key in it: a record that
 * removes a key (with its descendants) or a foreign key, or that puts a different key into an
 * occupied slot, also removes the objects bound to that slot, in the same step. A new key in a
 * reused slot number therefore never inherits an old binding, and no crash can separate the two.
 *
 * A state made with a `discard` function hands it the byte arrays of every record it drops
 * (private keys and extra data of removed or replaced keys, replaced or deleted setting values,
 * replaced PIN verifiers, removed objects' attributes), so that the store can zero them.
 *
 * @packageDocumentation
 */
import { ObjectTable } from './object_table.js';
import { RecordKind, type ForeignKeyRecord, type KeyRecord, type Op } from './records.js';
import type { TokenSettings } from './token_records.js';

function sameKey(a: { type: number; publicKey: Uint8Array }, b: typeof a): boolean {
  return a.type === b.type && Buffer.compare(a.publicKey, b.publicKey) === 0;
}

/** Anything ops are applied to while a state directory loads. */
export interface OpTarget {
  apply(op: Op): unknown;
}

/** The device state the store keeps and persists. */
export class DeviceState implements OpTarget {
  readonly #discard: ((bytes: Uint8Array) => void) | undefined;
  readonly keys = new Map<number, KeyRecord>();
  readonly foreign = new Map<number, ForeignKeyRecord>();
  readonly settings = new Map<string, Uint8Array>();
  /** parent slot -> slots of keys naming it as parent (the parent need not exist). */
  readonly children = new Map<number, Set<number>>();
  /** The token's settings; undefined until the first token record. */
  token: TokenSettings | undefined;
  /** The token's objects. */
  readonly objects: ObjectTable;

  /** @param discard - receives the bytes of each record dropped (see the module comment). */
  constructor(discard?: (bytes: Uint8Array) => void) {
    this.#discard = discard;
    this.objects = new ObjectTable(discard);
  }

  #drop(...parts: (Uint8Array | undefined)[]): void {
    if (this.#discard === undefined) return;
    for (const b of parts) if (b !== undefined) this.#discard(b);
  }

  #link(rec: KeyRecord): void {
    if (rec.parent === undefined) return;
    let set = this.children.get(rec.parent);
    if (set === undefined) {
      set = new Set();
      this.children.set(rec.parent, set);
    }
    set.add(rec.slot);
  }

  #unlink(rec: KeyRecord): void {
    if (rec.parent === undefined) return;
    const set = this.children.get(rec.parent);
    if (set === undefined) return;
    set.delete(rec.slot);
    if (set.size === 0) this.children.delete(rec.parent);
  }

  /** Inserts or replaces a key. */
  putKey(rec: KeyRecord): void {
    const old = this.keys.get(rec.slot);
    if (old !== undefined) {
      this.#unlink(old);
      if (!sameKey(old, rec)) this.objects.unbind(rec.slot, false);
      if (old.privateKey !== rec.privateKey) this.#drop(old.privateKey, old.extra);
    }
    this.keys.set(rec.slot, rec);
    this.#link(rec);
  }

  /** Slots of `slot` and all its descendants that exist, parents before children. */
  subtree(slot: number): number[] {
    const out: number[] = [];
    if (!this.keys.has(slot)) return out;
    const stack = [slot];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const s = stack.pop() as number;
      if (seen.has(s) || !this.keys.has(s)) continue;
      seen.add(s);
      out.push(s);
      const kids = this.children.get(s);
      if (kids !== undefined) for (const k of kids) stack.push(k);
    }
    return out;
  }

  /** Removes each slot with its descendants; returns the removed slots. */
  removeKeys(slots: readonly number[]): number[] {
    const removed: number[] = [];
    for (const root of slots) {
      for (const s of this.subtree(root)) {
        const rec = this.keys.get(s);
        if (rec === undefined) continue;
        this.#unlink(rec);
        this.keys.delete(s);
        this.objects.unbind(s, false);
        this.#drop(rec.privateKey, rec.extra);
        removed.push(s);
      }
    }
    return removed;
  }

  /**
   * Applies one change. Changes naming absent slots or settings are no-ops (the device layer
   * validates requests before they reach the store). Returns the key slots removed, if any.
   */
  apply(op: Op): number[] {
    switch (op.kind) {
      case RecordKind.PutKey:
        this.putKey(op.rec);
        return [];
      case RecordKind.RemoveKeys:
        return this.removeKeys(op.slots);
      case RecordKind.PutForeign: {
        const old = this.foreign.get(op.rec.slot);
        if (old !== undefined && !sameKey(old, op.rec)) this.objects.unbind(op.rec.slot, true);
        this.foreign.set(op.rec.slot, op.rec);
        return [];
      }
      case RecordKind.RemoveForeign:
        if (this.foreign.delete(op.slot)) this.objects.unbind(op.slot, true);
        return [];
      case RecordKind.DisableExport:
        if (op.foreign) {
          const rec = this.foreign.get(op.slot);
          if (rec !== undefined) this.foreign.set(op.slot, { ...rec, exportDisabled: true });
        } else {
          const rec = this.keys.get(op.slot);
          if (rec !== undefined) this.keys.set(op.slot, { ...rec, exportDisabled: true });
        }
        return [];
      case RecordKind.PutSetting: {
        const old = this.settings.get(op.name);
        this.settings.set(op.name, op.value);
        if (old !== op.value) this.#drop(old);
        return [];
      }
      case RecordKind.DeleteSetting:
        this.#drop(this.settings.get(op.name));
        this.settings.delete(op.name);
        return [];
      case RecordKind.PutToken: {
        if (op.wipeObjects) this.objects.clear();
        const old = this.token;
        this.token = op.token;
        if (old !== undefined && old.soVerifier !== op.token.soVerifier) {
          this.#drop(old.soVerifier, old.userVerifier);
        }
        return [];
      }
      case RecordKind.SetPinTries:
        if (this.token !== undefined) {
          this.token =
            op.role === 'so'
              ? { ...this.token, soTries: op.tries }
              : { ...this.token, userTries: op.tries };
        }
        return [];
      case RecordKind.PutObject:
        this.objects.put(op.rec);
        return [];
      case RecordKind.RemoveObject:
        this.objects.remove(op.handle);
        return [];
      case RecordKind.HandleFloor:
        this.objects.raiseFloor(op.handle);
        return [];
    }
  }
}
