/**
 * Errors of the codec layer. Misuse (wrong argument types or ranges) throws `TypeError` /
 * `RangeError`; everything else is a {@link CodecError} with a stable `code`.
 *
 * @packageDocumentation
 */

/** Stable codes of {@link CodecError}. */
export type CodecErrorCode =
  'ERR_NATIVE_ARGUMENT' | 'ERR_NATIVE_ENCODE' | 'ERR_CRC_HW_UNAVAILABLE' | 'ERR_ADDON_UNAVAILABLE';

/**
 * A failure inside the codec. The native addon builds these from this very class (it is handed
 * to the addon at load time), so native errors carry the same `code` as TypeScript ones.
 *
 * @example
 * ```ts
 * try { nativeOnly(); } catch (e) { if (e instanceof CodecError) console.log(e.code); }
 * ```
 */
export class CodecError extends Error {
  /** Stable machine-readable code. */
  readonly code: CodecErrorCode;

  constructor(message: string, code: CodecErrorCode) {
    super(message);
    this.name = 'CodecError';
    this.code = code;
  }
}
