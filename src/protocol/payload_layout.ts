/**
 * Payload layouts of the catalogue (docs/protocol.md, sections 5, 7 and 8), compiled once into
 * small arrays of field operations for the codec in `payload_codec.ts`.
 *
 * Two things the codec needs are not in `constants.generated.ts` as data, so they live here and
 * a unit test checks them against `spec/commands.json`: whether an enumeration is a value set
 * (`enum`) or a bit set (`flags`), and the response layouts that some error statuses carry
 * (`error_responses`).
 *
 * @packageDocumentation
 */
import {
  AccelAxis,
  COMMAND_INFO,
  Curves,
  EVENT_INFO,
  EventMask,
  Feature,
  Kdf,
  KeyRecordFlags,
  KeyType,
  LedMode,
  LedPattern,
  PerimeterAction,
  ResetReason,
  ObjectBinding,
  Status,
  SupbootPolicy,
  ThresholdAction,
  TokenFlags,
  TokenRecord,
  UserType,
} from './constants.generated.js';
import type { FieldInfo } from './constants.generated.js';
import { UnknownCodeError, fieldError } from './payload_errors.js';

/** The values a field marked with an enumeration may take. */
export interface EnumDomain {
  /** Enumeration name as in the spec, e.g. `key_type`. */
  readonly name: string;
  /** `enum`: one of `values`; `flags`: any combination of the bits in `mask`. */
  readonly kind: 'enum' | 'flags';
  readonly values: ReadonlySet<number>;
  /** OR of all values (the allowed bits of a flag set). */
  readonly mask: number;
}

function domain(name: string, kind: 'enum' | 'flags', obj: Record<string, number>): EnumDomain {
  const values = new Set(Object.values(obj));
  let mask = 0;
  for (const v of values) mask = (mask | v) >>> 0;
  return { name, kind, values, mask };
}

/**
 * A capability bit set that newer devices may extend (HELLO `features`, `curves`): every bit is
 * accepted, so an older client still talks to a newer device; unknown bits mean "not used".
 */
function openFlags(name: string, obj: Record<string, number>): EnumDomain {
  return { ...domain(name, 'flags', obj), mask: 0xffffffff };
}

/**
 * Every enumeration a catalogue field may name in `FieldInfo.enum`, keyed by that name.
 * `features` is the bit set of the HELLO `features` field ({@link Feature}).
 *
 * @example
 * ```ts
 * ENUM_DOMAINS.get('key_type')?.values.has(KeyType.ED25519); // true
 * ENUM_DOMAINS.get('event_mask')?.mask; // 0x1f
 * ```
 */
export const ENUM_DOMAINS: ReadonlyMap<string, EnumDomain> = new Map(
  [
    domain('key_type', 'enum', KeyType),
    openFlags('curves', Curves),
    domain('kdf', 'enum', Kdf),
    domain('threshold_action', 'enum', ThresholdAction),
    domain('accel_axis', 'enum', AccelAxis),
    domain('perimeter_action', 'flags', PerimeterAction),
    domain('supboot_policy', 'enum', SupbootPolicy),
    domain('led_mode', 'enum', LedMode),
    domain('led_pattern', 'enum', LedPattern),
    domain('reset_reason', 'enum', ResetReason),
    domain('event_mask', 'flags', EventMask),
    domain('user_type', 'enum', UserType),
    domain('object_binding', 'enum', ObjectBinding),
    domain('token_flags', 'flags', TokenFlags),
    domain('token_record', 'enum', TokenRecord),
    domain('key_record_flags', 'flags', KeyRecordFlags),
    openFlags('features', Feature),
  ].map((d) => [d.name, d]),
);

/**
 * Response layouts that a command sends with a status other than `OK` (spec `error_responses`):
 * command code -> status code -> fields. Every other non-`OK` response has an empty payload.
 *
 * @example
 * ```ts
 * ERROR_RESPONSE_LAYOUTS.get(Command.HELLO)?.get(Status.ERR_VERSION_UNSUPPORTED);
 * // [{ name: 'min_version', type: 'u8', enum: null }, { name: 'max_version', ... }]
 * ```
 */
export const ERROR_RESPONSE_LAYOUTS: ReadonlyMap<
  number,
  ReadonlyMap<number, readonly FieldInfo[]>
> = new Map([
  [
    0x0001, // HELLO
    new Map([
      [
        Status.ERR_VERSION_UNSUPPORTED,
        [
          { name: 'min_version', type: 'u8', enum: null },
          { name: 'max_version', type: 'u8', enum: null },
        ],
      ],
    ]),
  ],
]);

// Operation kinds of a compiled field type.
export const K_U8 = 0;
export const K_U16 = 1;
export const K_U32 = 2;
export const K_U64 = 3;
export const K_I8 = 4;
export const K_I16 = 5;
export const K_I32 = 6;
export const K_F32 = 7;
export const K_BOOL = 8;
export const K_BYTES = 9;
export const K_BLOB = 10;
export const K_STR = 11;
export const K_REST = 12;
export const K_LIST = 13;

/** One compiled wire type. Every op has the same shape, so the codec's switch stays monomorphic. */
export interface TypeOp {
  readonly kind: number;
  /** The wire type as written in the catalogue, for messages. */
  readonly type: string;
  /** Bytes of a fixed-size value (ints, f32, bool, `bytes[N]`); 0 for variable-size types. */
  readonly width: number;
  /** Fewest bytes any value of this type takes on the wire (bounds hostile list counts). */
  readonly min: number;
  /** Integer range of `u8`..`i32` (inclusive); unused otherwise. */
  readonly lo: number;
  readonly hi: number;
  readonly domain: EnumDomain | null;
  /** Element type of a list. */
  readonly elem: TypeOp | null;
}

/** One field of a compiled layout. */
export interface FieldOp {
  readonly name: string;
  readonly op: TypeOp;
}

/** A layout compiled for the codec. */
export interface CompiledLayout {
  readonly fields: readonly FieldInfo[];
  readonly ops: readonly FieldOp[];
  readonly names: ReadonlySet<string>;
}

type Scalar = readonly [kind: number, width: number, lo: number, hi: number];
const SCALARS: ReadonlyMap<string, Scalar> = new Map<string, Scalar>([
  ['u8', [K_U8, 1, 0, 0xff]],
  ['u16', [K_U16, 2, 0, 0xffff]],
  ['u32', [K_U32, 4, 0, 0xffffffff]],
  ['u64', [K_U64, 8, 0, 0]],
  ['i8', [K_I8, 1, -0x80, 0x7f]],
  ['i16', [K_I16, 2, -0x8000, 0x7fff]],
  ['i32', [K_I32, 4, -0x80000000, 0x7fffffff]],
  ['f32', [K_F32, 4, 0, 0]],
  ['bool', [K_BOOL, 1, 0, 1]],
  ['blob', [K_BLOB, 0, 0, 0]],
  ['str', [K_STR, 0, 0, 0]],
  ['rest', [K_REST, 0, 0, 0]],
]);
const MIN_SIZE = [1, 2, 4, 8, 1, 2, 4, 4, 1, 0, 4, 2, 0, 4];
const BYTES_RE = /^bytes\[(0|[1-9][0-9]{0,9})\]$/;
const LIST_RE = /^list<(.+)>$/;
const NAME_RE = /^[a-z][a-z0-9_]*$/;

function layoutError(where: string, message: string): TypeError {
  return new TypeError(`invalid payload layout, ${where}: ${message}`);
}

function makeOp(kind: number, type: string, width: number, lo = 0, hi = 0): TypeOp {
  return { kind, type, width, min: MIN_SIZE[kind] ?? 0, lo, hi, domain: null, elem: null };
}

/** Compiles a wire type such as `i32`, `bytes[32]` or `list<str>` (section 5). */
function compileType(type: string, where: string): TypeOp {
  const scalar = SCALARS.get(type);
  if (scalar !== undefined) return makeOp(scalar[0], type, scalar[1], scalar[2], scalar[3]);
  const bytes = BYTES_RE.exec(type);
  if (bytes?.[1] !== undefined) {
    const n = Number(bytes[1]);
    if (n > 0xffffffff) throw layoutError(where, `${type} is too long`);
    return { ...makeOp(K_BYTES, type, n), min: n };
  }
  const list = LIST_RE.exec(type);
  if (list?.[1] !== undefined) {
    const elem = compileType(list[1], where);
    if (elem.kind === K_REST) throw layoutError(where, `${type}: rest cannot be a list element`);
    // A zero-size element would let a 4-byte count stand for 2^32 values.
    if (elem.min === 0) throw layoutError(where, `${type}: list elements must not be empty`);
    return { ...makeOp(K_LIST, type, 0), elem };
  }
  throw layoutError(where, `unknown type '${type}'`);
}

/** Compiles one layout; throws a `TypeError` describing the first problem of an invalid one. */
function compile(fields: readonly FieldInfo[]): CompiledLayout {
  const ops: FieldOp[] = [];
  const names = new Set<string>();
  fields.forEach((f, i) => {
    const where = `field ${i} '${f.name}'`;
    if (!NAME_RE.test(f.name)) throw layoutError(where, 'field names are lower snake_case');
    if (names.has(f.name)) throw layoutError(where, 'duplicate field name');
    names.add(f.name);
    let op = compileType(f.type, where);
    if (op.kind === K_REST && i !== fields.length - 1) {
      throw layoutError(where, 'rest is only allowed as the last field');
    }
    if (f.enum !== null) {
      const d = ENUM_DOMAINS.get(f.enum);
      if (d === undefined) throw layoutError(where, `unknown enumeration '${f.enum}'`);
      if (op.kind > K_I32 || op.kind === K_U64) {
        throw layoutError(where, `enumeration on non-integer type ${f.type}`);
      }
      for (const v of d.values) {
        if (v < op.lo || v > op.hi)
          throw layoutError(where, `${f.enum} value ${v} exceeds ${f.type}`);
      }
      op = { ...op, domain: d };
    }
    ops.push({ name: f.name, op });
  });
  return { fields, ops, names };
}

const compiled = new WeakMap<readonly FieldInfo[], CompiledLayout>();

/**
 * The compiled form of a layout, built on first use and cached by array identity. Layouts are
 * treated as immutable: changing a `FieldInfo[]` after its first use has no effect.
 *
 * @example
 * ```ts
 * compileLayout(requestLayout(Command.SIGN_DIGEST)).ops.length; // 2
 * ```
 */
export function compileLayout(fields: readonly FieldInfo[]): CompiledLayout {
  let layout = compiled.get(fields);
  if (layout === undefined) {
    layout = compile(fields);
    compiled.set(fields, layout);
  }
  return layout;
}

const EMPTY_LAYOUT: readonly FieldInfo[] = Object.freeze([]);

/**
 * Request payload layout of a command.
 *
 * @throws {@link UnknownCodeError} when the catalogue does not assign `command`.
 * @example
 * ```ts
 * requestLayout(Command.SIGN_DIGEST).map((f) => f.type); // ['i32', 'bytes[32]']
 * ```
 */
export function requestLayout(command: number): readonly FieldInfo[] {
  const info = COMMAND_INFO.get(command);
  if (info === undefined) throw new UnknownCodeError('command', command);
  return info.request;
}

/**
 * Response payload layout of a command for a given status: the catalogue's response for `OK`,
 * the documented layout of an error status that carries data (e.g. HELLO with
 * `ERR_VERSION_UNSUPPORTED`), and an empty layout for every other status.
 *
 * @param status - The response's status; `OK` when omitted.
 * @throws {@link UnknownCodeError} when the catalogue does not assign `command`.
 * @example
 * ```ts
 * responseLayout(Command.SIGN_DIGEST).map((f) => f.name); // ['signature', 'recovery_id']
 * responseLayout(Command.HELLO, Status.ERR_VERSION_UNSUPPORTED).length; // 2
 * responseLayout(Command.SIGN_DIGEST, Status.ERR_NO_SUCH_SLOT).length; // 0
 * ```
 */
export function responseLayout(command: number, status: number = Status.OK): readonly FieldInfo[] {
  const info = COMMAND_INFO.get(command);
  if (info === undefined) throw new UnknownCodeError('command', command);
  if (status === Status.OK) return info.response;
  return ERROR_RESPONSE_LAYOUTS.get(command)?.get(status) ?? EMPTY_LAYOUT;
}

/**
 * Payload layout of an event.
 *
 * @throws {@link UnknownCodeError} when the catalogue does not assign `event`.
 * @example
 * ```ts
 * eventLayout(Event.DEVICE_RESET).map((f) => f.name); // ['reason', 'timestamp']
 * ```
 */
export function eventLayout(event: number): readonly FieldInfo[] {
  const info = EVENT_INFO.get(event);
  if (info === undefined) throw new UnknownCodeError('event', event);
  return info.payload;
}

/**
 * Throws a `PayloadError` when `v` is outside the enumeration or flag set of a field
 * (a field without one takes any value of its type).
 *
 * @param index - Element index within a list; negative for the field itself.
 * @example
 * ```ts
 * const [action] = compileLayout(requestLayout(Command.SET_CPU_TEMP_ACTION)).ops;
 * checkDomain(action.op, 7, 'action', -1); // throws: 7 is not a threshold_action value
 * ```
 */
export function checkDomain(op: TypeOp, v: number, field: string, index: number): void {
  const d = op.domain;
  if (d === null) return;
  if (d.kind === 'enum' ? d.values.has(v) : (v & ~d.mask) === 0) return;
  const what =
    d.kind === 'enum'
      ? `${v} is not a ${d.name} value`
      : `0x${v.toString(16)} has bits outside ${d.name} (0x${d.mask.toString(16)})`;
  throw fieldError(field, index, what);
}

const requests = new Map<number, CompiledLayout>();
const responses = new Map<number, CompiledLayout>();
const events = new Map<number, CompiledLayout>();

function cached(
  cache: Map<number, CompiledLayout>,
  code: number,
  get: () => readonly FieldInfo[],
): CompiledLayout {
  let layout = cache.get(code);
  if (layout === undefined) {
    layout = compileLayout(get());
    cache.set(code, layout);
  }
  return layout;
}

/**
 * Compiled request layout of a command, cached by code (one `Map` lookup per request).
 *
 * @throws {@link UnknownCodeError} when the catalogue does not assign `command`.
 * @example
 * ```ts
 * requestOps(Command.SIGN_DIGEST).ops.map((f) => f.op.type); // ['i32', 'bytes[32]']
 * ```
 */
export function requestOps(command: number): CompiledLayout {
  return cached(requests, command, () => requestLayout(command));
}

/**
 * Compiled response layout of a command for a status (see {@link responseLayout}); the `OK`
 * layouts are cached by code.
 *
 * @example
 * ```ts
 * responseOps(Command.HELLO, Status.ERR_VERSION_UNSUPPORTED).ops.length; // 2
 * ```
 */
export function responseOps(command: number, status: number): CompiledLayout {
  return status === Status.OK
    ? cached(responses, command, () => responseLayout(command))
    : compileLayout(responseLayout(command, status));
}

/**
 * Compiled payload layout of an event, cached by code.
 *
 * @example
 * ```ts
 * eventOps(Event.TAP_EVENT).ops.length; // 6
 * ```
 */
export function eventOps(event: number): CompiledLayout {
  return cached(events, event, () => eventLayout(event));
}
