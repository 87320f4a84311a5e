/**
 * Message payload codec (docs/protocol.md, section 5), driven by the catalogue: the emulator and
 * the device client both encode and decode every request, response and event payload here.
 *
 * Values: `u8` `u16` `u32` `i8` `i16` `i32` `f32` -> `number`; `u64` -> `bigint`; `bool` ->
 * `boolean`; `bytes[N]` `blob` `rest` -> `Uint8Array`; `str` -> `string`; `list<T>` -> array.
 *
 * Decoding is strict: for any content of the input it returns the payload or throws a
 * {@link PayloadError} (a device answers `ERR_INVALID_ARG`), nothing else. Decoded `bytes[N]`,
 * `blob` and `rest` values are views (`subarray`) of the input, not copies: `slice()` them to
 * keep them past a reuse of the input buffer.
 *
 * Encoding validates every value, computes the size, allocates once and writes. Values the wire
 * or the layout does not allow throw `PayloadError` (out of range, not an integer, outside the
 * enumeration or flag set, wrong `bytes[N]` length, `str` over 65535 UTF-8 bytes or with a lone
 * surrogate, a finite number beyond the `f32` range), so a client can report them uniformly; a
 * payload of the wrong shape or JavaScript type throws `TypeError` (see `payload_errors.ts`).
 * `f32` carries any number, NaN and the infinities included (the commands define what those
 * mean), rounded to binary32; a decoded `f32` is that rounded value (`Math.fround`).
 *
 * @packageDocumentation
 */
import { Status } from './constants.generated.js';
import type { FieldInfo } from './constants.generated.js';
import * as L from './payload_layout.js';
import { decodeCompiled, encodeCompiled, type Payload } from './payload_wire.js';

export { PayloadError, UnknownCodeError } from './payload_errors.js';
export { ENUM_DOMAINS, ERROR_RESPONSE_LAYOUTS, compileLayout } from './payload_layout.js';
export { eventLayout, requestLayout, responseLayout } from './payload_layout.js';
export type { CompiledLayout, EnumDomain } from './payload_layout.js';

export type { Payload, PayloadValue } from './payload_wire.js';

/**
 * Encodes a payload by a layout (section 5: fields in order, big-endian, no padding). The
 * layout is compiled on first use and cached by array identity.
 *
 * @param values - One value per field and nothing else.
 * @throws {@link PayloadError} for values the layout does not allow; `TypeError` for a payload of
 *   the wrong shape or an invalid layout.
 * @example
 * ```ts
 * encodePayload([{ name: 'slot', type: 'i32', enum: null }], { slot: -1 }); // ff ff ff ff
 * ```
 */
export function encodePayload(fields: readonly FieldInfo[], values: Payload): Uint8Array {
  return encodeCompiled(L.compileLayout(fields), values);
}

/**
 * Decodes a payload by a layout, strictly: the bytes must hold exactly the layout.
 *
 * @throws {@link PayloadError} for any content of `bytes` that does not fit; `TypeError` only
 *   when `bytes` is not a `Uint8Array` or the layout is invalid.
 * @example
 * ```ts
 * decodePayload([{ name: 'found', type: 'bool', enum: null }], Uint8Array.of(1)); // { found: true }
 * ```
 */
export function decodePayload(fields: readonly FieldInfo[], bytes: Uint8Array): Payload {
  return decodeCompiled(L.compileLayout(fields), bytes);
}

/**
 * Encodes the request payload of a command ({@link UnknownCodeError} for an unassigned one).
 *
 * @example
 * ```ts
 * encodeRequest(Command.SIGN_DIGEST, { slot: -1, digest: new Uint8Array(32) }); // 36 bytes
 * ```
 */
export function encodeRequest(command: number, values: Payload): Uint8Array {
  return encodeCompiled(L.requestOps(command), values);
}

/**
 * Decodes the request payload of a command ({@link UnknownCodeError} for an unassigned one).
 *
 * @example
 * ```ts
 * const { slot, digest } = decodeRequest(Command.SIGN_DIGEST, payload);
 * ```
 */
export function decodeRequest(command: number, bytes: Uint8Array): Payload {
  return decodeCompiled(L.requestOps(command), bytes);
}

/**
 * Encodes the response payload of a command for a status (`OK` when omitted): see
 * {@link responseLayout} for the layout each status uses.
 *
 * @example
 * ```ts
 * encodeResponse(Command.CANCEL, { found: true }); // 01
 * encodeResponse(Command.SIGN_DIGEST, {}, Status.ERR_NO_SUCH_SLOT); // empty
 * ```
 */
export function encodeResponse(
  command: number,
  values: Payload,
  status: number = Status.OK,
): Uint8Array {
  return encodeCompiled(L.responseOps(command, status), values);
}

/**
 * Decodes the response payload of a command for the status of the response header (`OK` when
 * omitted): the response layout, a documented error layout, or an empty payload.
 *
 * @example
 * ```ts
 * decodeResponse(Command.HELLO, Uint8Array.of(1, 1), Status.ERR_VERSION_UNSUPPORTED);
 * // { min_version: 1, max_version: 1 }
 * ```
 */
export function decodeResponse(
  command: number,
  bytes: Uint8Array,
  status: number = Status.OK,
): Payload {
  return decodeCompiled(L.responseOps(command, status), bytes);
}

/**
 * Encodes the payload of an event ({@link UnknownCodeError} for an unassigned one).
 *
 * @example
 * ```ts
 * encodeEvent(Event.DEVICE_RESET, { reason: ResetReason.POWER_ON, timestamp: 1700000000 });
 * ```
 */
export function encodeEvent(event: number, values: Payload): Uint8Array {
  return encodeCompiled(L.eventOps(event), values);
}

/**
 * Decodes the payload of an event ({@link UnknownCodeError} for an unassigned one).
 *
 * @example
 * ```ts
 * const { reason, timestamp } = decodeEvent(Event.DEVICE_RESET, payload);
 * ```
 */
export function decodeEvent(event: number, bytes: Uint8Array): Payload {
  return decodeCompiled(L.eventOps(event), bytes);
}
