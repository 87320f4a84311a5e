/**
 * WebCrypto with device keys: a drop-in `crypto` whose `subtle` signs, verifies and derives with
 * keys held by the device, and passes everything else to Node's own WebCrypto.
 *
 * @packageDocumentation
 */
export { Crypto, createCrypto, type CryptoOptions } from './crypto.js';
export { CryptoKey } from './crypto_key.js';
export { SubtleCrypto, type AlgorithmParams } from './subtle.js';
export type { CryptoKeyPair } from './crypto_key.js';
export { KeyStore, type GetKeyOptions, type SlotInfo } from './key_store.js';
export { install, uninstall, installedCrypto } from './install.js';
export { domError, type DomErrorName } from './errors.js';
export {
  signES256K,
  signES256KJwt,
  verifyES256KJwt,
  type VerifiedJwt,
  type VerifyOptions,
} from './es256k.js';
