/**
 * ECDH (ECDH_RAW*) and the key derivations applied to its secret (ECDH_KDF*).
 *
 * Limits, from the vendor research (section 2.3, "ECDH and KDF") unless marked as this module's
 * own choice:
 *
 * | Parameter | Rule | Error |
 * |---|---|---|
 * | salt | at most 128 bytes, may be empty | ERR_OUT_OF_RANGE |
 * | info | at most 128 bytes, may be empty; checked for every KDF although PBKDF2 ignores it | ERR_OUT_OF_RANGE |
 * | output, RFC 5869 | 1 or more and *less than* 8160 (SHA-256) / 16320 (SHA-512) bytes, the vendor's wording; with `allowRfcMaximum`, up to and including 255 hash lengths (docs/protocol.md ECDH_KDF) | ERR_OUT_OF_RANGE |
 * | output, PBKDF2 | 1 to 16320 bytes (docs/protocol.md) | ERR_OUT_OF_RANGE |
 * | iterations, PBKDF2 | 1 to 1,000,000 (this module's cap: bounds one request to seconds of CPU) | ERR_OUT_OF_RANGE |
 * | iterations, RFC 5869 | ignored | - |
 *
 * Non-integer numbers are ERR_INVALID_ARG. PBKDF2's cost is iterations x ceil(output / hash
 * length) HMAC blocks; at the caps that is minutes of CPU, so a server may run it off its main
 * thread.
 *
 * @packageDocumentation
 */
import { pbkdf2Sync } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { Kdf, KeyType } from '../../protocol/constants.generated.js';
import { CryptoOpError } from './errors.js';
import {
  assertKeyType,
  assertPrivateKey,
  concat,
  validatePublicKey,
  weierstrassCurve,
} from './keys.js';

/** Length of the raw ECDH secret, in bytes. */
export const ECDH_SECRET_LENGTH = 32;

/** The KDF limits of this module (see the table in the module notes). */
export const KDF_LIMITS = {
  maxSaltLength: 128,
  maxInfoLength: 128,
  /** RFC 5869 output must be below this (vendor) or at most this (`allowRfcMaximum`). */
  rfc5869MaxOutput: { sha256: 8160, sha512: 16320 },
  maxPbkdf2Output: 16320,
  maxPbkdf2Iterations: 1_000_000,
} as const;

/** Options of {@link ecdhKdf}. */
export interface EcdhKdfOptions {
  /**
   * Allow RFC 5869 output of exactly 255 hash lengths (8160 / 16320 bytes), RFC 5869's own
   * maximum and the rule docs/protocol.md gives for ECDH_KDF. Default `false`: the vendor's
   * "must be less than" wording, which refuses those two exact sizes.
   */
  readonly allowRfcMaximum?: boolean;
}

/**
 * Raw ECDH: the 32-byte shared secret of a local private key and a peer public key of the same
 * type. P-256 and secp256k1 give the x coordinate of d*Q (SEC 1 / RFC 5903 style); X25519 gives
 * the RFC 7748 output. The peer key may be in any form {@link validatePublicKey} accepts.
 *
 * @throws CryptoOpError ERR_INVALID_ARG (unknown type), ERR_KEY_TYPE_MISMATCH (Ed25519),
 *   ERR_INVALID_KEY (bad private key), ERR_INVALID_PUBKEY (bad peer key, or an X25519 result of
 *   all zeros, which RFC 7748 section 6.1 says to reject).
 */
export function ecdhRaw(
  type: KeyType,
  privateKey: Uint8Array,
  peerPublicKey: Uint8Array,
): Uint8Array {
  assertKeyType(type);
  if (type === KeyType.ED25519) {
    throw new CryptoOpError('ERR_KEY_TYPE_MISMATCH', 'Ed25519 keys cannot do ECDH');
  }
  assertPrivateKey(type, privateKey);
  const curve = weierstrassCurve(type);
  if (curve !== undefined) {
    const peer = concat(Uint8Array.of(0x04), validatePublicKey(type, peerPublicKey));
    return curve.getSharedSecret(privateKey, peer, true).slice(1);
  }
  // X25519: the ladder itself refuses the small-order u values validatePublicKey probes for.
  if (peerPublicKey.length !== 32) {
    throw new CryptoOpError('ERR_INVALID_PUBKEY', 'X25519 public keys are 32 bytes');
  }
  let secret: Uint8Array;
  try {
    secret = x25519.getSharedSecret(privateKey, peerPublicKey);
  } catch {
    throw new CryptoOpError('ERR_INVALID_PUBKEY', 'X25519 shared secret would be all zero');
  }
  if (secret.every((b) => b === 0)) {
    throw new CryptoOpError('ERR_INVALID_PUBKEY', 'X25519 shared secret is all zero');
  }
  return secret;
}

/**
 * Derives `outLength` bytes from an ECDH secret with one of the protocol's `kdf` methods:
 * RFC5869_SHA256 / RFC5869_SHA512 (HKDF extract-then-expand with `salt` and `info`; an empty
 * salt means HashLen zero bytes, as RFC 5869 says) or PBKDF2_SHA256 / PBKDF2_SHA512 (RFC 8018
 * PBKDF2 with HMAC, the secret as password, `salt`, `iterations`; `info` unused).
 *
 * @param secret - input keying material: the 32-byte ECDH secret on the device; any length is
 *   accepted here so the function also serves generic vectors.
 * @throws CryptoOpError ERR_INVALID_ARG (unknown kdf, non-integer number), ERR_OUT_OF_RANGE
 *   (a limit of the module table).
 */
export function ecdhKdf(
  kind: Kdf,
  secret: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  iterations: number,
  outLength: number,
  options: EcdhKdfOptions = {},
): Uint8Array {
  if (!Object.values(Kdf).includes(kind)) {
    throw new CryptoOpError('ERR_INVALID_ARG', `unknown kdf ${String(kind)}`);
  }
  if (salt.length > KDF_LIMITS.maxSaltLength) outOfRange('salt is longer than 128 bytes');
  if (info.length > KDF_LIMITS.maxInfoLength) outOfRange('info is longer than 128 bytes');
  assertInteger(outLength, 'output length');
  if (outLength < 1) outOfRange('output length must be at least 1');
  switch (kind) {
    case Kdf.RFC5869_SHA256:
    case Kdf.RFC5869_SHA512: {
      const isSha256 = kind === Kdf.RFC5869_SHA256;
      const limit = KDF_LIMITS.rfc5869MaxOutput[isSha256 ? 'sha256' : 'sha512'];
      const tooLong = options.allowRfcMaximum === true ? outLength > limit : outLength >= limit;
      if (tooLong) outOfRange(`RFC 5869 output is limited to ${String(limit)} bytes`);
      return hkdf(isSha256 ? sha256 : sha512, secret, salt, info, outLength);
    }
    case Kdf.PBKDF2_SHA256:
    case Kdf.PBKDF2_SHA512: {
      assertInteger(iterations, 'iterations');
      if (iterations < 1 || iterations > KDF_LIMITS.maxPbkdf2Iterations) {
        outOfRange('PBKDF2 iterations must be 1 to 1000000');
      }
      if (outLength > KDF_LIMITS.maxPbkdf2Output) outOfRange('PBKDF2 output exceeds 16320');
      const digest = kind === Kdf.PBKDF2_SHA256 ? 'sha256' : 'sha512';
      return new Uint8Array(pbkdf2Sync(secret, salt, iterations, outLength, digest));
    }
  }
}

function outOfRange(message: string): never {
  throw new CryptoOpError('ERR_OUT_OF_RANGE', message);
}

function assertInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new CryptoOpError('ERR_INVALID_ARG', `${what} must be an integer`);
  }
}
