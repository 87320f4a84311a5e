/**
 * The emulator's crypto core: pure functions over bytes, with no I/O and no device state. Key
 * types and KDF kinds are the protocol's `key_type` and `kdf` values; failures are
 * {@link CryptoOpError}s whose codes map 1:1 to protocol statuses.
 *
 * @packageDocumentation
 */
export type { CryptoErrorCode } from './errors.js';
export { CryptoOpError, cryptoErrorStatus } from './errors.js';
export type { KeyPair, RandomSource } from './keys.js';
export {
  PRIVATE_KEY_LENGTH,
  PUBLIC_KEY_LENGTH,
  generateKeyPair,
  publicKeyFromPrivate,
  publicKeyPem,
  systemRandom,
  validatePublicKey,
} from './keys.js';
export type { EcdsaSignature, SignDigestOptions } from './sign.js';
export {
  DIGEST_LENGTH,
  SIGNATURE_LENGTH,
  signDigest,
  signEd25519,
  verifyDigest,
  verifyEd25519,
} from './sign.js';
export type { EcdhKdfOptions } from './ecdh.js';
export { ECDH_SECRET_LENGTH, KDF_LIMITS, ecdhKdf, ecdhRaw } from './ecdh.js';
export type { LockSecrets, UnlockFailure, UnlockResult } from './lock.js';
export {
  LOCK_HEADER_LENGTH,
  LOCK_KIND_DEVICE,
  LOCK_KIND_SHARED,
  LOCK_MAGIC,
  LOCK_OVERHEAD,
  LOCK_VERSION,
  lockData,
  unlockData,
} from './lock.js';
