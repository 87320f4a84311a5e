/**
 * The wire side of the payload codec: sizing, writing and reading each field type of
 * docs/protocol.md section 5 over a compiled layout. The public API is payload_codec.ts.
 */
import { PayloadError, describeValue, fieldError, fieldLabel } from './payload_errors.js';
import * as L from './payload_layout.js';
import type { CompiledLayout, TypeOp } from './payload_layout.js';

/** One field value (see the module description for the type mapping). */
export type PayloadValue =
  number | bigint | boolean | string | Uint8Array | readonly PayloadValue[];

/** A payload: field name -> value, one entry for each field of the layout. */
export type Payload = Record<string, PayloadValue>;

/* eslint-disable @typescript-eslint/no-non-null-assertion --
 * Byte reads at indices already checked by take(), and `elem`, which compile sets on every list. */

const U64_MAX = 0xffffffffffffffffn;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Integers are read and written with shifts on the Uint8Array itself: a DataView would need the
// array's `.buffer`, which costs more than the whole encode for a small fresh array in V8.
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function wrongType(field: string, index: number, op: TypeOp, v: unknown, want: string): TypeError {
  const got = describeValue(v);
  return new TypeError(`${fieldLabel(field, index)}: expected ${want} for ${op.type}, got ${got}`);
}

/** UTF-8 length of a string; `-1` when it holds a lone surrogate (not encodable). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c < 0xd800 || c > 0xdfff) n += 2;
    else if (c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: two UTF-16 units, four UTF-8 bytes
      i++;
    } else return -1;
  }
  return n;
}

/** Validates one value and returns its wire size. */
function sizeOf(op: TypeOp, v: unknown, field: string, index: number): number {
  switch (op.kind) {
    case L.K_U8:
    case L.K_U16:
    case L.K_U32:
    case L.K_I8:
    case L.K_I16:
    case L.K_I32:
      if (typeof v !== 'number') throw wrongType(field, index, op, v, 'a number');
      if (!Number.isInteger(v) || v < op.lo || v > op.hi) {
        throw fieldError(field, index, `expected an integer in ${op.lo}..=${op.hi}, got ${v}`);
      }
      L.checkDomain(op, v, field, index);
      return op.width;
    case L.K_U64:
      if (typeof v !== 'bigint') throw wrongType(field, index, op, v, 'a bigint');
      if (v < 0n || v > U64_MAX) throw fieldError(field, index, `${v} is outside 0..=2^64-1`);
      return 8;
    case L.K_F32:
      if (typeof v !== 'number') throw wrongType(field, index, op, v, 'a number');
      if (Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
        throw fieldError(field, index, `${v} is beyond the f32 range`);
      }
      return 4;
    case L.K_BOOL:
      if (typeof v !== 'boolean') throw wrongType(field, index, op, v, 'a boolean');
      return 1;
    case L.K_BYTES:
    case L.K_BLOB:
    case L.K_REST:
      if (!(v instanceof Uint8Array)) throw wrongType(field, index, op, v, 'a Uint8Array');
      if (op.kind === L.K_BYTES && v.length !== op.width) {
        throw fieldError(field, index, `expected exactly ${op.width} bytes, got ${v.length}`);
      }
      if (op.kind !== L.K_BLOB) return v.length;
      if (v.length > 0xffffffff) throw fieldError(field, index, `${v.length} bytes, too long`);
      return 4 + v.length;
    case L.K_STR: {
      if (typeof v !== 'string') throw wrongType(field, index, op, v, 'a string');
      const n = utf8Length(v);
      if (n < 0) throw fieldError(field, index, 'lone UTF-16 surrogate');
      if (n > 0xffff) throw fieldError(field, index, `${n} UTF-8 bytes, at most 65535`);
      return 2 + n;
    }
    default: {
      // K_LIST; array lengths never exceed 2^32-1, the u32 count's range.
      if (!Array.isArray(v)) throw wrongType(field, index, op, v, 'an array');
      const elem = op.elem!;
      let n = 4;
      for (let i = 0; i < v.length; i++) n += sizeOf(elem, v[i] as unknown, field, i);
      return n;
    }
  }
}

function put32(out: Uint8Array, pos: number, v: number): void {
  out[pos] = v >>> 24;
  out[pos + 1] = v >>> 16;
  out[pos + 2] = v >>> 8;
  out[pos + 3] = v; // Uint8Array stores keep the low 8 bits
}

/** Writes a string without lone surrogates (checked by sizeOf) as UTF-8; returns the end. */
function putUtf8(out: Uint8Array, pos: number, s: string): number {
  let p = pos;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/** Writes one validated value at `pos`; returns the position after it. */
function write(op: TypeOp, out: Uint8Array, pos: number, v: unknown): number {
  switch (op.kind) {
    case L.K_U8:
    case L.K_I8:
      out[pos] = v as number;
      return pos + 1;
    case L.K_BOOL:
      out[pos] = v === true ? 1 : 0;
      return pos + 1;
    case L.K_U16:
    case L.K_I16:
      out[pos] = (v as number) >> 8;
      out[pos + 1] = v as number;
      return pos + 2;
    case L.K_U32:
    case L.K_I32:
      put32(out, pos, v as number);
      return pos + 4;
    case L.K_U64:
      put32(out, pos, Number((v as bigint) >> 32n));
      put32(out, pos + 4, Number((v as bigint) & 0xffffffffn));
      return pos + 8;
    case L.K_F32:
      f32[0] = v as number;
      for (let i = 0; i < 4; i++) out[pos + i] = f32Bytes[LITTLE_ENDIAN ? 3 - i : i]!;
      return pos + 4;
    case L.K_BLOB:
      put32(out, pos, (v as Uint8Array).length);
      out.set(v as Uint8Array, pos + 4);
      return pos + 4 + (v as Uint8Array).length;
    case L.K_BYTES:
    case L.K_REST:
      out.set(v as Uint8Array, pos);
      return pos + (v as Uint8Array).length;
    case L.K_STR: {
      const end = putUtf8(out, pos + 2, v as string);
      out[pos] = (end - pos - 2) >> 8;
      out[pos + 1] = end - pos - 2;
      return end;
    }
    default: {
      const items = v as readonly unknown[];
      put32(out, pos, items.length);
      let p = pos + 4;
      for (const item of items) p = write(op.elem!, out, p, item);
      return p;
    }
  }
}

/** Read cursor over the input of one decode. */
interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
}

/** Checks that `n` more bytes are there; returns the position to read them at. */
function take(c: Cursor, n: number, field: string, index: number): number {
  const at = c.pos;
  const left = c.bytes.length - at;
  if (n > left) throw fieldError(field, index, `expected ${n} bytes, ${left} left`);
  c.pos = at + n;
  return at;
}

/** Big-endian u32 at `at` (in bounds), unsigned. */
function get32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Reads one value; throws only {@link PayloadError}. */
function read(op: TypeOp, c: Cursor, field: string, index: number): PayloadValue {
  const b = c.bytes;
  let v: number;
  switch (op.kind) {
    case L.K_U8:
      v = b[take(c, 1, field, index)]!;
      break;
    case L.K_I8:
      v = (b[take(c, 1, field, index)]! << 24) >> 24;
      break;
    case L.K_U16:
    case L.K_I16: {
      const at = take(c, 2, field, index);
      v = (b[at]! << 8) | b[at + 1]!;
      if (op.kind === L.K_I16) v = (v << 16) >> 16;
      break;
    }
    case L.K_U32:
      v = get32(b, take(c, 4, field, index));
      break;
    case L.K_I32:
      v = get32(b, take(c, 4, field, index)) | 0;
      break;
    case L.K_U64: {
      const at = take(c, 8, field, index);
      return (BigInt(get32(b, at)) << 32n) | BigInt(get32(b, at + 4));
    }
    case L.K_F32: {
      const at = take(c, 4, field, index);
      for (let i = 0; i < 4; i++) f32Bytes[LITTLE_ENDIAN ? 3 - i : i] = b[at + i]!;
      return f32[0]!;
    }
    case L.K_BOOL:
      v = b[take(c, 1, field, index)]!;
      if (v > 1) throw fieldError(field, index, `bool byte ${v}, not 0 or 1`);
      return v === 1;
    case L.K_BYTES: {
      const at = take(c, op.width, field, index);
      return b.subarray(at, at + op.width);
    }
    case L.K_BLOB: {
      const n = get32(b, take(c, 4, field, index));
      const at = take(c, n, field, index);
      return b.subarray(at, at + n);
    }
    case L.K_REST: {
      const at = c.pos;
      c.pos = b.length;
      return b.subarray(at);
    }
    case L.K_STR: {
      const len = take(c, 2, field, index);
      const n = (b[len]! << 8) | b[len + 1]!;
      const at = take(c, n, field, index);
      try {
        return decoder.decode(b.subarray(at, at + n));
      } catch {
        throw fieldError(field, index, 'invalid UTF-8');
      }
    }
    default: {
      const count = get32(b, take(c, 4, field, index));
      const elem = op.elem!;
      const need = count * elem.min;
      const left = b.length - c.pos;
      // Checked before anything is allocated: each element takes at least elem.min (> 0) bytes.
      if (need > left) {
        throw fieldError(
          field,
          index,
          `${count} elements need at least ${need} bytes, ${left} left`,
        );
      }
      const items: PayloadValue[] = [];
      for (let i = 0; i < count; i++) items.push(read(elem, c, field, i));
      return items;
    }
  }
  L.checkDomain(op, v, field, index);
  return v;
}

export function encodeCompiled(layout: CompiledLayout, values: Payload): Uint8Array {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new TypeError(`payload values must be an object, got ${describeValue(values)}`);
  }
  const { ops } = layout;
  const keys = Object.keys(values);
  let inOrder = keys.length === ops.length;
  for (let i = 0; inOrder && i < keys.length; i++) inOrder = keys[i] === ops[i]!.name;
  if (!inOrder) {
    // Slow path for keys out of layout order, missing or unknown ones.
    for (const key of keys) {
      if (!layout.names.has(key)) throw new TypeError(`payload has no field '${key}'`);
    }
    for (const { name } of ops) {
      if (!Object.hasOwn(values, name)) throw new TypeError(`field '${name}' is missing`);
    }
  }
  let size = 0;
  for (const { name, op } of ops) size += sizeOf(op, values[name], name, -1);
  const out = new Uint8Array(size);
  let pos = 0;
  for (const { name, op } of ops) pos = write(op, out, pos, values[name]);
  return out;
}

export function decodeCompiled(layout: CompiledLayout, bytes: Uint8Array): Payload {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`payload bytes must be a Uint8Array, got ${describeValue(bytes)}`);
  }
  const c: Cursor = { bytes, pos: 0 };
  const out: Payload = {};
  for (const { name, op } of layout.ops) out[name] = read(op, c, name, -1);
  const extra = bytes.length - c.pos;
  if (extra !== 0) {
    throw new PayloadError(null, `payload: ${extra} trailing byte${extra === 1 ? '' : 's'}`);
  }
  return out;
}
