/**
 * Errors of the payload codec (docs/protocol.md, section 5).
 *
 * - {@link PayloadError}: the bytes (on decode) or the values (on encode) do not fit the layout.
 *   A device answers these with `ERR_INVALID_ARG`; the emulator maps every `PayloadError` to it.
 * - {@link UnknownCodeError}: the command or event code has no layout at all. A device answers
 *   an unknown command with `ERR_UNKNOWN_COMMAND`, not `ERR_INVALID_ARG`, so it is a separate
 *   class.
 * - `TypeError`: misuse of the API by the calling code: a payload object of the wrong shape
 *   (missing or unknown keys, a value of the wrong JavaScript type), input that is not a
 *   `Uint8Array`, or an invalid layout.
 *
 * @packageDocumentation
 */

/**
 * A payload that does not fit its layout: too short, trailing bytes, a bool other than 0 or 1, a
 * value outside its enumeration, invalid UTF-8, an impossible list count (decode); an integer
 * out of range, a wrong fixed length, a string or blob too long (encode).
 *
 * @example
 * ```ts
 * try {
 *   decodeRequest(Command.SIGN_DIGEST, new Uint8Array(2));
 * } catch (e) {
 *   if (e instanceof PayloadError) console.log(e.field, e.message);
 *   // 'slot', "field 'slot': expected 4 bytes, 2 left"
 * }
 * ```
 */
export class PayloadError extends Error {
  /** Stable machine-readable code. */
  readonly code = 'ERR_PAYLOAD';
  /**
   * Name of the layout field at fault (for a list element, the list's name; the message gives
   * the index), or `null` for faults of the payload as a whole (trailing bytes).
   */
  readonly field: string | null;

  constructor(field: string | null, message: string) {
    super(message);
    this.name = 'PayloadError';
    this.field = field;
  }
}

/**
 * A command or event code that the catalogue does not assign, so it has no payload layout.
 *
 * @example
 * ```ts
 * try {
 *   requestLayout(0x1001);
 * } catch (e) {
 *   if (e instanceof UnknownCodeError) console.log(e.kind, e.value); // 'command', 4097
 * }
 * ```
 */
export class UnknownCodeError extends RangeError {
  /** Stable machine-readable code. */
  readonly code = 'ERR_UNKNOWN_CODE';
  /** Whether a command or an event code was looked up. */
  readonly kind: 'command' | 'event';
  /** The code that was looked up. */
  readonly value: number;

  constructor(kind: 'command' | 'event', value: number) {
    super(`unknown ${kind} code ${formatCode(value)}`);
    this.name = 'UnknownCodeError';
    this.kind = kind;
    this.value = value;
  }
}

/** `0x0401`-style rendering of a 16-bit code (anything else is shown as given). */
function formatCode(value: number): string {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff
    ? `0x${value.toString(16).padStart(4, '0')}`
    : String(value);
}

/**
 * How messages name a field: `field 'slot'`, or `field 'files[3]'` for element 3 of a list.
 *
 * @param index - Element index within a list; negative for the field itself.
 * @example
 * ```ts
 * fieldLabel('files', 3); // "field 'files[3]'"
 * ```
 */
export function fieldLabel(field: string, index: number): string {
  return index < 0 ? `field '${field}'` : `field '${field}[${index}]'`;
}

/**
 * A {@link PayloadError} for one field, its message prefixed with {@link fieldLabel}.
 *
 * @example
 * ```ts
 * fieldError('found', -1, 'bool byte 2, not 0 or 1').message; // "field 'found': bool byte 2, ..."
 * ```
 */
export function fieldError(field: string, index: number, what: string): PayloadError {
  return new PayloadError(field, `${fieldLabel(field, index)}: ${what}`);
}

/**
 * The JavaScript type of a value, as `TypeError` messages of the codec name it.
 *
 * @example
 * ```ts
 * describeValue([1]); // 'an array'
 * describeValue(new Uint8Array(1)); // 'Uint8Array'
 * ```
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return v.constructor?.name ?? 'an object';
  return typeof v;
}
