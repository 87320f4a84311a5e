/**
 * Errors of the emulator's crypto core. Every failure that is not a plain "signature does not
 * match" throws a {@link CryptoOpError} whose `code` is, wherever the protocol has one, the exact
 * status name of spec/status.json, so the emulator maps it 1:1 with {@link cryptoErrorStatus}.
 *
 * A signature or locked blob that does not verify is not an error: the verify functions return
 * `false` and `unlockData` returns `valid: false`, as the protocol's VERIFY_* and UNLOCK_DATA
 * answer OK with `valid` false.
 *
 * @packageDocumentation
 */
import type { StatusName } from '../../protocol/constants.generated.js';

/**
 * Stable codes of {@link CryptoOpError}.
 *
 * - `ERR_INVALID_ARG`: an argument is malformed in itself (unknown key type or KDF value, a digest
 *   that is not 32 bytes, a signature that is not 64 bytes, a non-integer length).
 * - `ERR_OUT_OF_RANGE`: a well-formed number or length is outside the documented KDF limits.
 * - `ERR_INVALID_PUBKEY`: a public key given by value has the wrong length or is not a valid
 *   point (off the curve, small order, or an X25519 key whose shared secret is all zero).
 * - `ERR_SLOT_IS_X25519`: an X25519 key was asked to sign or verify.
 * - `ERR_KEY_TYPE_MISMATCH`: the key type cannot serve the operation (an Ed25519 key for ECDSA or
 *   ECDH, a non-Ed25519 key for EdDSA).
 * - `ERR_INVALID_KEY`: a private key (device material) has the wrong length or is not a valid
 *   scalar. No protocol status names this: the device's own keys are always valid, so it means an
 *   internal fault and maps to `ERR_INTERNAL`.
 */
export type CryptoErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_INVALID_PUBKEY'
  | 'ERR_SLOT_IS_X25519'
  | 'ERR_KEY_TYPE_MISMATCH'
  | 'ERR_INVALID_KEY';

/** Protocol status for each {@link CryptoErrorCode}: identical names except `ERR_INVALID_KEY`. */
export const cryptoErrorStatus: Readonly<Record<CryptoErrorCode, StatusName>> = {
  ERR_INVALID_ARG: 'ERR_INVALID_ARG',
  ERR_OUT_OF_RANGE: 'ERR_OUT_OF_RANGE',
  ERR_INVALID_PUBKEY: 'ERR_INVALID_PUBKEY',
  ERR_SLOT_IS_X25519: 'ERR_SLOT_IS_X25519',
  ERR_KEY_TYPE_MISMATCH: 'ERR_KEY_TYPE_MISMATCH',
  ERR_INVALID_KEY: 'ERR_INTERNAL',
};

/**
 * A crypto operation that could not be carried out.
 *
 * @example
 * ```ts
 * try { signDigest(KeyType.X25519, key, digest); }
 * catch (e) { if (e instanceof CryptoOpError) status = cryptoErrorStatus[e.code]; }
 * ```
 */
export class CryptoOpError extends Error {
  /** Stable machine-readable code. */
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = 'CryptoOpError';
    this.code = code;
  }
}
