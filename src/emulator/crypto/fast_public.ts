/**
 * Public keys from private keys with native code, for key generation: OpenSSL for P-256 (about
 * 40 µs), libsecp256k1 for secp256k1 (about 90 µs), libsodium for Ed25519 and X25519 (about
 * 75 µs), where `@noble/curves` takes about 2 ms for each, which would make key generation, not
 * the disk, the limit of a pipelined GEN_KEY_PAIR stream. The bindings are the ones signing uses
 * (fast_sign.ts); where one cannot load, {@link nativePublicKey} returns undefined and the caller
 * uses noble. The results are the same points (the crypto tests compare them with RFC vectors).
 *
 * @packageDocumentation
 */
import { createECDH, type ECDH } from 'node:crypto';
import { createRequire } from 'node:module';
import { KeyType } from '../../protocol/constants.generated.js';

interface Libsecp256k1 {
  publicKeyCreate(privateKey: Uint8Array, compressed: false): Uint8Array;
}

interface Libsodium {
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
}

interface Bindings {
  secp256k1?: Libsecp256k1;
  sodium?: Libsodium;
}

function load(): Bindings {
  const require = createRequire(import.meta.url);
  const out: Bindings = {};
  try {
    out.secp256k1 = require('secp256k1/bindings') as Libsecp256k1;
  } catch {
    // no prebuild for this platform: noble derives secp256k1 keys
  }
  try {
    out.sodium = require('sodium-native') as Libsodium;
  } catch {
    // no prebuild for this platform: noble derives 25519 keys
  }
  return out;
}

const bindings = load();
let p256: ECDH | undefined;

/**
 * The raw public key of a valid private key (checked by the caller), or undefined when no native
 * implementation is available for the type.
 */
export function nativePublicKey(type: KeyType, privateKey: Uint8Array): Uint8Array | undefined {
  switch (type) {
    case KeyType.P256: {
      p256 ??= createECDH('prime256v1');
      p256.setPrivateKey(privateKey);
      return new Uint8Array(p256.getPublicKey().subarray(1));
    }
    case KeyType.SECP256K1:
      return bindings.secp256k1?.publicKeyCreate(privateKey, false).slice(1);
    case KeyType.ED25519: {
      if (!bindings.sodium) return undefined;
      const pk = new Uint8Array(32);
      bindings.sodium.crypto_sign_seed_keypair(pk, new Uint8Array(64), privateKey);
      return pk;
    }
    case KeyType.X25519: {
      if (!bindings.sodium) return undefined;
      const pk = new Uint8Array(32);
      bindings.sodium.crypto_scalarmult_base(pk, privateKey); // clamps, as RFC 7748 does
      return pk;
    }
  }
}
