/**
 * The token's records in the device state (journal and snapshot), little-endian like the rest of
 * the store's formats:
 *
 * | kind              | body                                                                  |
 * |-------------------|-----------------------------------------------------------------------|
 * | 8 PUT_TOKEN       | flags u8 (bit 0 initialized, bit 1 wipe objects first), soTries u8,   |
 * |                   | userTries u8, label u16+UTF-8, soVerifier u16+bytes,                  |
 * |                   | userVerifier u16+bytes (empty: no user PIN)                           |
 * | 9 SET_PIN_TRIES   | role u8 (0 SO, 1 user), tries u8                                      |
 * | 10 PUT_OBJECT     | handle u32, flags u8 (bit 0 private), binding u8, slot i32,           |
 * |                   | attrs u32+bytes                                                       |
 * | 11 REMOVE_OBJECT  | handle u32                                                            |
 * | 12 HANDLE_FLOOR   | handle u32: every handle up to it has been used (snapshots)           |
 *
 * One token command is one record, so a crash never leaves half of it: TOKEN_INIT is a single
 * PUT_TOKEN that also wipes the objects. Objects bound to a slot are removed by the key records
 * themselves when they free or replace that slot (see state.ts), so no record is needed for them.
 *
 * @packageDocumentation
 */
import { DecodeError, type Reader, type Writer } from './binary.js';

/** The token's settings, PIN verifiers and try counters. Treat as read-only. */
export interface TokenSettings {
  readonly initialized: boolean;
  /** UTF-8 label (the device layer limits it to 32 bytes). */
  readonly label: string;
  /** Verifier of the SO PIN (empty until initialized). */
  readonly soVerifier: Uint8Array;
  /** Verifier of the user PIN; empty when no user PIN is set. */
  readonly userVerifier: Uint8Array;
  readonly soTries: number;
  readonly userTries: number;
}

/** What an object is bound to (the protocol's `object_binding`). */
export type ObjectBindingCode = 0 | 1 | 2;

/** A token object. Treat as read-only. */
export interface ObjectRecord {
  /** 1 .. 2^32-1, never reused on a device. */
  readonly handle: number;
  readonly private: boolean;
  /** 0 none, 1 key slot, 2 foreign slot. */
  readonly binding: ObjectBindingCode;
  /** The bound slot (kept as given when binding is 0). */
  readonly slot: number;
  /** Opaque attribute bytes. */
  readonly attrs: Uint8Array;
}

/** Whose PIN a try counter belongs to. */
export type PinRole = 'so' | 'user';

/** Record kinds of the token (continuing records.ts's numbering). */
export const TokenRecordKind = {
  PutToken: 8,
  SetPinTries: 9,
  PutObject: 10,
  RemoveObject: 11,
  HandleFloor: 12,
} as const;

/** One decoded token change. */
export type TokenOp =
  | { kind: 8; token: TokenSettings; wipeObjects: boolean }
  | { kind: 9; role: PinRole; tries: number }
  | { kind: 10; rec: ObjectRecord }
  | { kind: 11; handle: number }
  | { kind: 12; handle: number };

const FLAG_INITIALIZED = 1;
const FLAG_WIPE = 2;
const FLAG_PRIVATE = 1;
const MAX_BLOB16 = 0xffff;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

function checkU8(v: number, label: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${label} must be a u8`);
}

function checkHandle(v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) {
    throw new RangeError('handle must be an integer in 1..2^32-1');
  }
}

function checkBytes(b: unknown, max: number, label: string): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${label} must be a Uint8Array`);
  if (b.length > max) throw new RangeError(`${label} is longer than ${max} bytes`);
}

function blob16(w: Writer, b: Uint8Array): void {
  w.u16(b.length);
  w.bytes(b);
}

/** An upper bound of the encoded body size of a token op. */
export function tokenBodySizeHint(op: TokenOp): number {
  switch (op.kind) {
    case TokenRecordKind.PutToken:
      return (
        9 +
        3 * (typeof op.token.label === 'string' ? op.token.label.length : 0) +
        (op.token.soVerifier?.length ?? 0) +
        (op.token.userVerifier?.length ?? 0)
      );
    case TokenRecordKind.PutObject:
      return 14 + (op.rec.attrs?.length ?? 0);
    default:
      return 4;
  }
}

/** Validates a token op (TypeError/RangeError) and appends its body to `w`. */
export function encodeTokenOp(w: Writer, op: TokenOp, maxBody: number): void {
  switch (op.kind) {
    case TokenRecordKind.PutToken: {
      const t = op.token;
      if (typeof t.label !== 'string') throw new TypeError('label must be a string');
      const label = utf8.encode(t.label);
      checkBytes(label, MAX_BLOB16, 'label');
      checkBytes(t.soVerifier, MAX_BLOB16, 'soVerifier');
      checkBytes(t.userVerifier, MAX_BLOB16, 'userVerifier');
      checkU8(t.soTries, 'soTries');
      checkU8(t.userTries, 'userTries');
      w.u8((t.initialized ? FLAG_INITIALIZED : 0) | (op.wipeObjects ? FLAG_WIPE : 0));
      w.u8(t.soTries);
      w.u8(t.userTries);
      blob16(w, label);
      blob16(w, t.soVerifier);
      blob16(w, t.userVerifier);
      return;
    }
    case TokenRecordKind.SetPinTries:
      if (op.role !== 'so' && op.role !== 'user') throw new RangeError('role must be so or user');
      checkU8(op.tries, 'tries');
      w.u8(op.role === 'so' ? 0 : 1);
      w.u8(op.tries);
      return;
    case TokenRecordKind.PutObject: {
      const r = op.rec;
      checkHandle(r.handle);
      if (r.binding !== 0 && r.binding !== 1 && r.binding !== 2) {
        throw new RangeError('binding must be 0, 1 or 2');
      }
      if (!Number.isInteger(r.slot) || r.slot < -0x80000000 || r.slot > 0x7fffffff) {
        throw new RangeError('slot must be a 32-bit signed integer');
      }
      checkBytes(r.attrs, maxBody - 16, 'attrs');
      w.u32(r.handle);
      w.u8(r.private ? FLAG_PRIVATE : 0);
      w.u8(r.binding);
      w.i32(r.slot);
      w.u32(r.attrs.length);
      w.bytes(r.attrs);
      return;
    }
    case TokenRecordKind.RemoveObject:
    case TokenRecordKind.HandleFloor:
      checkHandle(op.handle);
      w.u32(op.handle);
      return;
  }
}

function readLabel(r: Reader): string {
  const at = r.pos;
  try {
    return fromUtf8.decode(r.bytes(r.u16()));
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError('token label is not UTF-8', at);
  }
}

function readHandle(r: Reader): number {
  const handle = r.u32();
  if (handle === 0) throw new DecodeError('object handle 0', r.pos - 4);
  return handle;
}

/** True when `kind` is one of the token's record kinds. */
export function isTokenKind(kind: number): kind is TokenOp['kind'] {
  return kind >= TokenRecordKind.PutToken && kind <= TokenRecordKind.HandleFloor;
}

/** Decodes the body of a token record of `kind` (the caller checks the reader is consumed). */
export function decodeTokenOp(kind: TokenOp['kind'], r: Reader): TokenOp {
  switch (kind) {
    case TokenRecordKind.PutToken: {
      const flags = r.u8();
      if ((flags & ~(FLAG_INITIALIZED | FLAG_WIPE)) !== 0) {
        throw new DecodeError(`bad token flags 0x${flags.toString(16)}`, r.pos - 1);
      }
      const soTries = r.u8();
      const userTries = r.u8();
      const label = readLabel(r);
      const soVerifier = r.bytes(r.u16());
      const userVerifier = r.bytes(r.u16());
      return {
        kind,
        token: {
          initialized: (flags & FLAG_INITIALIZED) !== 0,
          label,
          soVerifier,
          userVerifier,
          soTries,
          userTries,
        },
        wipeObjects: (flags & FLAG_WIPE) !== 0,
      };
    }
    case TokenRecordKind.SetPinTries: {
      const role = r.u8();
      if (role > 1) throw new DecodeError(`bad PIN role ${role}`, r.pos - 1);
      return { kind, role: role === 0 ? 'so' : 'user', tries: r.u8() };
    }
    case TokenRecordKind.PutObject: {
      const handle = readHandle(r);
      const flags = r.u8();
      if ((flags & ~FLAG_PRIVATE) !== 0) {
        throw new DecodeError(`bad object flags 0x${flags.toString(16)}`, r.pos - 1);
      }
      const binding = r.u8();
      if (binding > 2) throw new DecodeError(`bad object binding ${binding}`, r.pos - 1);
      const slot = r.i32();
      const attrs = r.bytes(r.u32());
      return {
        kind,
        rec: {
          handle,
          private: flags !== 0,
          binding: binding as ObjectBindingCode,
          slot,
          attrs,
        },
      };
    }
    case TokenRecordKind.RemoveObject:
    case TokenRecordKind.HandleFloor:
      return { kind, handle: readHandle(r) };
  }
}
