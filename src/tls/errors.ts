/**
 * Errors of `zkbridge/tls`, each with a stable `code`.
 *
 * @packageDocumentation
 */

/** Codes of {@link TlsError}. */
export type TlsErrorCode =
  | 'ERR_TLS_ENGINE_MISSING'
  | 'ERR_TLS_KEY'
  | 'ERR_TLS_CERT'
  | 'ERR_TLS_KEY_TYPE'
  | 'ERR_TLS_DEVICE'
  | 'ERR_TLS_PIN';

/**
 * A TLS set-up that cannot work, found before Node's OpenSSL is asked.
 *
 * @example
 * ```ts
 * try { hsmTlsOptions({ key: 3, cert }); } catch (e) { if (e instanceof TlsError) console.error(e.code); }
 * ```
 */
export class TlsError extends Error {
  readonly code: TlsErrorCode;

  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsError';
    this.code = code;
  }
}
