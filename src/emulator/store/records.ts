/**
 * The records of the device state and their compact binary encoding, shared by the journal and
 * the snapshot (little-endian throughout):
 *
 * | kind            | body                                                                   |
 * |-----------------|------------------------------------------------------------------------|
 * | 1 PUT_KEY       | slot i32, type u8, flags u8, priv u16+bytes, pub u16+bytes,            |
 * |                 | [parent i32 if flags.HAS_PARENT], [extra u32+bytes if flags.HAS_EXTRA] |
 * | 2 REMOVE_KEYS   | count u32, slot i32 x count (each removed with all its descendants)    |
 * | 3 PUT_FOREIGN   | slot i32, type u8, flags u8, pub u16+bytes                             |
 * | 4 REMOVE_FOREIGN| slot i32                                                               |
 * | 5 DISABLE_EXPORT| slot i32, foreign u8 (0 own key, 1 foreign key)                        |
 * | 6 PUT_SETTING   | name u16+UTF-8, value u32+bytes                                        |
 * | 7 DELETE_SETTING| name u16+UTF-8                                                         |
 * | 8 - 12          | the token's settings, PINs, counters and objects: token_records.ts     |
 *
 * Key flags: bit 0 export disabled, bit 1 has parent, bit 2 has extra, bits 4-5 origin
 * (0 factory, 1 generated, 2 wallet).
 *
 * @packageDocumentation
 */
import { DecodeError, type Reader, type Writer } from './binary.js';
import {
  TokenRecordKind,
  decodeTokenOp,
  encodeTokenOp,
  isTokenKind,
  tokenBodySizeHint,
  type TokenOp,
} from './token_records.js';

/** Where a key came from. */
export type KeyOrigin = 'factory' | 'generated' | 'wallet';

/** A key pair held in one of the device's own slots. Treat as read-only. */
export interface KeyRecord {
  readonly slot: number;
  /** Key type code (the device's curve enumeration); 0-255. */
  readonly type: number;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Public export was disabled (permanent on the device). */
  readonly exportDisabled: boolean;
  readonly origin: KeyOrigin;
  /** For wallet nodes: the slot of the parent node. Removing a key removes its descendants. */
  readonly parent?: number;
  /** Opaque extra data (e.g. a wallet node's path and chain code), up to 16 MiB. */
  readonly extra?: Uint8Array;
}

/** A foreign public key (the device holds no private part). Treat as read-only. */
export interface ForeignKeyRecord {
  readonly slot: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  readonly exportDisabled: boolean;
}

/** Record kinds (the `type` byte). */
export const RecordKind = {
  PutKey: 1,
  RemoveKeys: 2,
  PutForeign: 3,
  RemoveForeign: 4,
  DisableExport: 5,
  PutSetting: 6,
  DeleteSetting: 7,
  ...TokenRecordKind,
} as const;

/** One decoded state change. */
export type Op =
  | { kind: 1; rec: KeyRecord }
  | { kind: 2; slots: number[] }
  | { kind: 3; rec: ForeignKeyRecord }
  | { kind: 4; slot: number }
  | { kind: 5; slot: number; foreign: boolean }
  | { kind: 6; name: string; value: Uint8Array }
  | { kind: 7; name: string }
  | TokenOp;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const FLAG_EXPORT_DISABLED = 1;
const FLAG_HAS_PARENT = 2;
const FLAG_HAS_EXTRA = 4;
const ORIGINS: readonly KeyOrigin[] = ['factory', 'generated', 'wallet'];
const MAX_BLOB16 = 0xffff;
/** Largest body of one record (bytes). */
export const MAX_BODY = 16 * 1024 * 1024;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function checkSlot(slot: number, label = 'slot'): void {
  if (!Number.isInteger(slot) || slot < -0x80000000 || slot > 0x7fffffff) {
    throw new RangeError(`${label} must be a 32-bit signed integer`);
  }
}

function checkBlob(b: unknown, max: number, label: string): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${label} must be a Uint8Array`);
  if (b.length > max) throw new RangeError(`${label} is longer than ${max} bytes`);
}

function checkType(type: number): void {
  if (!Number.isInteger(type) || type < 0 || type > 255) {
    throw new RangeError('type must be an integer in 0..255');
  }
}

function nameBytes(name: string): Uint8Array {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('setting name must be a non-empty string');
  }
  const b = utf8.encode(name);
  checkBlob(b, MAX_BLOB16, 'setting name');
  return b;
}

function len(b: Uint8Array | undefined): number {
  return b instanceof Uint8Array ? b.length : 0;
}

/** An upper bound of the encoded size of `op`'s body (exact for well-formed ops). */
export function bodySizeHint(op: Op): number {
  switch (op.kind) {
    case RecordKind.PutKey:
      return (
        10 +
        len(op.rec.privateKey) +
        len(op.rec.publicKey) +
        (op.rec.parent === undefined ? 0 : 4) +
        (op.rec.extra === undefined ? 0 : 4 + len(op.rec.extra))
      );
    case RecordKind.RemoveKeys:
      return 4 + 4 * op.slots.length;
    case RecordKind.PutForeign:
      return 8 + len(op.rec.publicKey);
    case RecordKind.PutSetting:
      return 6 + 3 * (typeof op.name === 'string' ? op.name.length : 0) + len(op.value);
    case RecordKind.DeleteSetting:
      return 2 + 3 * (typeof op.name === 'string' ? op.name.length : 0);
    case RecordKind.RemoveForeign:
    case RecordKind.DisableExport:
      return 5;
    default:
      return tokenBodySizeHint(op);
  }
}

/** Validates `op` (TypeError/RangeError) and appends its body to `w`. */
export function encodeOp(w: Writer, op: Op): void {
  switch (op.kind) {
    case RecordKind.PutKey: {
      const r = op.rec;
      checkSlot(r.slot);
      checkType(r.type);
      checkBlob(r.privateKey, MAX_BLOB16, 'privateKey');
      checkBlob(r.publicKey, MAX_BLOB16, 'publicKey');
      const origin = ORIGINS.indexOf(r.origin);
      if (origin < 0) throw new RangeError('origin must be factory, generated or wallet');
      let flags = (r.exportDisabled ? FLAG_EXPORT_DISABLED : 0) | (origin << 4);
      if (r.parent !== undefined) {
        checkSlot(r.parent, 'parent');
        if (r.parent === r.slot) throw new RangeError('a key cannot be its own parent');
        flags |= FLAG_HAS_PARENT;
      }
      if (r.extra !== undefined) {
        checkBlob(r.extra, MAX_BODY - 64, 'extra');
        flags |= FLAG_HAS_EXTRA;
      }
      w.i32(r.slot);
      w.u8(r.type);
      w.u8(flags);
      w.u16(r.privateKey.length);
      w.bytes(r.privateKey);
      w.u16(r.publicKey.length);
      w.bytes(r.publicKey);
      if (r.parent !== undefined) w.i32(r.parent);
      if (r.extra !== undefined) {
        w.u32(r.extra.length);
        w.bytes(r.extra);
      }
      return;
    }
    case RecordKind.RemoveKeys:
      if (op.slots.length > (MAX_BODY - 4) / 4) throw new RangeError('too many slots');
      w.u32(op.slots.length);
      for (const s of op.slots) {
        checkSlot(s);
        w.i32(s);
      }
      return;
    case RecordKind.PutForeign:
      checkSlot(op.rec.slot);
      checkType(op.rec.type);
      checkBlob(op.rec.publicKey, MAX_BLOB16, 'publicKey');
      w.i32(op.rec.slot);
      w.u8(op.rec.type);
      w.u8(op.rec.exportDisabled ? FLAG_EXPORT_DISABLED : 0);
      w.u16(op.rec.publicKey.length);
      w.bytes(op.rec.publicKey);
      return;
    case RecordKind.RemoveForeign:
      checkSlot(op.slot);
      w.i32(op.slot);
      return;
    case RecordKind.DisableExport:
      checkSlot(op.slot);
      w.i32(op.slot);
      w.u8(op.foreign ? 1 : 0);
      return;
    case RecordKind.PutSetting: {
      const name = nameBytes(op.name);
      checkBlob(op.value, MAX_BODY - 8 - name.length, 'setting value');
      w.u16(name.length);
      w.bytes(name);
      w.u32(op.value.length);
      w.bytes(op.value);
      return;
    }
    case RecordKind.DeleteSetting: {
      const name = nameBytes(op.name);
      w.u16(name.length);
      w.bytes(name);
      return;
    }
    default:
      encodeTokenOp(w, op, MAX_BODY);
  }
}

function readName(r: Reader): string {
  const at = r.pos;
  try {
    return fromUtf8.decode(r.bytes(r.u16()));
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError('setting name is not UTF-8', at);
  }
}

/** Decodes one body of `kind` spanning the whole reader; throws {@link DecodeError}. */
export function decodeOp(kind: number, r: Reader): Op {
  let op: Op;
  switch (kind) {
    case RecordKind.PutKey: {
      const slot = r.i32();
      const type = r.u8();
      const flags = r.u8();
      const origin = ORIGINS[(flags >> 4) & 3];
      if (origin === undefined || (flags & 0xc8) !== 0) {
        throw new DecodeError(`bad key flags 0x${flags.toString(16)}`, r.pos - 1);
      }
      const privateKey = r.bytes(r.u16());
      const publicKey = r.bytes(r.u16());
      const rec: Mutable<KeyRecord> = {
        slot,
        type,
        privateKey,
        publicKey,
        exportDisabled: (flags & FLAG_EXPORT_DISABLED) !== 0,
        origin,
      };
      if ((flags & FLAG_HAS_PARENT) !== 0) rec.parent = r.i32();
      if ((flags & FLAG_HAS_EXTRA) !== 0) rec.extra = r.bytes(r.u32());
      op = { kind, rec };
      break;
    }
    case RecordKind.RemoveKeys: {
      const n = r.u32();
      if (n * 4 > r.end - r.pos) throw new DecodeError('slot count too large', r.pos - 4);
      const slots = new Array<number>(n);
      for (let i = 0; i < n; i++) slots[i] = r.i32();
      op = { kind, slots };
      break;
    }
    case RecordKind.PutForeign: {
      const slot = r.i32();
      const type = r.u8();
      const flags = r.u8();
      if ((flags & ~FLAG_EXPORT_DISABLED) !== 0) {
        throw new DecodeError(`bad foreign key flags 0x${flags.toString(16)}`, r.pos - 1);
      }
      const publicKey = r.bytes(r.u16());
      op = { kind, rec: { slot, type, publicKey, exportDisabled: flags !== 0 } };
      break;
    }
    case RecordKind.RemoveForeign:
      op = { kind, slot: r.i32() };
      break;
    case RecordKind.DisableExport: {
      const slot = r.i32();
      const which = r.u8();
      if (which > 1) throw new DecodeError('bad key class', r.pos - 1);
      op = { kind, slot, foreign: which === 1 };
      break;
    }
    case RecordKind.PutSetting: {
      const name = readName(r);
      op = { kind, name, value: r.bytes(r.u32()) };
      break;
    }
    case RecordKind.DeleteSetting:
      op = { kind, name: readName(r) };
      break;
    default:
      if (!isTokenKind(kind)) throw new DecodeError(`unknown record kind ${kind}`, r.pos);
      op = decodeTokenOp(kind, r);
  }
  r.done();
  return op;
}
