/**
 * The in-memory device state: O(1) maps by slot and name, plus a parent -> children index so a
 * key with many dependents (wallet nodes) is removed in time proportional to what is removed.
 * Applying an {@link Op} is deterministic, so replaying the journal rebuilds the same state.
 *
 * @packageDocumentation
 */
import { RecordKind, type ForeignKeyRecord, type KeyRecord, type Op } from './records.js';

/** The device state the store keeps and persists. */
export class DeviceState {
  readonly keys = new Map<number, KeyRecord>();
  readonly foreign = new Map<number, ForeignKeyRecord>();
  readonly settings = new Map<string, Uint8Array>();
  /** parent slot -> slots of keys naming it as parent (the parent need not exist). */
  readonly children = new Map<number, Set<number>>();

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
    if (old !== undefined) this.#unlink(old);
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
      case RecordKind.PutForeign:
        this.foreign.set(op.rec.slot, op.rec);
        return [];
      case RecordKind.RemoveForeign:
        this.foreign.delete(op.slot);
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
      case RecordKind.PutSetting:
        this.settings.set(op.name, op.value);
        return [];
      case RecordKind.DeleteSetting:
        this.settings.delete(op.name);
        return [];
    }
  }
}
