/**
 * Failures of the X.509 layer that are not bad arguments (those are `TypeError`s): a CSR whose
 * signature does not verify, a CA certificate that cannot issue, unparsable input.
 *
 * @packageDocumentation
 */

/** Stable codes of {@link X509Error}. */
export type X509ErrorCode =
  | 'ERR_X509_PARSE'
  | 'ERR_CSR_SIGNATURE'
  | 'ERR_CA_CERT'
  | 'ERR_CA_KEY_MISMATCH'
  | 'ERR_UNSUPPORTED_KEY';

/**
 * An X.509 failure with a stable `code` and a one-line message.
 *
 * @example
 * ```ts
 * try {
 *   await issueCertificate(crypto, { csr, caKey, caCert });
 * } catch (error) {
 *   if (error instanceof X509Error && error.code === 'ERR_CSR_SIGNATURE') console.error('tampered CSR');
 * }
 * ```
 */
export class X509Error extends Error {
  readonly code: X509ErrorCode;

  constructor(code: X509ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'X509Error';
    this.code = code;
  }
}

/**
 * The message of any thrown value, on one line.
 *
 * @example
 * ```ts
 * messageOf(new Error('a\n  b')); // 'a b'
 * ```
 */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ');
}
