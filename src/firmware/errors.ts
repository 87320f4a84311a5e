/**
 * Errors of `zkbridge/firmware`, each with a stable `code`.
 *
 * @packageDocumentation
 */

/**
 * Codes of {@link FirmwareError}:
 *
 * - `ERR_FIRMWARE_VERSION`: a firmware string that is not `MM.mm.pp` with an optional suffix.
 * - `ERR_FIRMWARE_MODEL`: a model name that is none of ZYMKEY4, HSM4, HSM6, SCM (any case).
 */
export type FirmwareErrorCode = 'ERR_FIRMWARE_VERSION' | 'ERR_FIRMWARE_MODEL';

/**
 * A firmware version or model name that the strict functions of `zkbridge/firmware` refuse.
 *
 * @example
 * ```ts
 * try { parseFirmwareVersion('1.2.2'); }
 * catch (e) { if (e instanceof FirmwareError && e.code === 'ERR_FIRMWARE_VERSION') console.error(e.message); }
 * ```
 */
export class FirmwareError extends Error {
  /** Stable machine-readable code. */
  readonly code: FirmwareErrorCode;

  constructor(code: FirmwareErrorCode, message: string) {
    super(message);
    this.name = 'FirmwareError';
    this.code = code;
  }
}

/**
 * A value quoted for an error message: JSON-escaped and cut to 40 characters, so a hostile or
 * binary string stays on one short line.
 *
 * @example
 * ```ts
 * quoted('01.02\n'); // '"01.02\\n"'
 * ```
 */
export function quoted(value: unknown): string {
  if (typeof value !== 'string') return `a ${value === null ? 'null' : typeof value}`;
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(cut);
}
