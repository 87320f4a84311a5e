/**
 * The signing paths the device's throughput rests on, each chosen by measurement (see
 * docs/emulator.md, "Signing speed"):
 *
 * - ECDSA (P-256 and secp256k1) signs from a {@link PresignaturePool}: the nonce point k·G and
 *   k⁻¹ are made ahead of time in batches, so a signature is two modular multiplications.
 *   The batches are made on a worker thread (presign_supplier.ts) where the machine has more
 *   than one core: a point multiplication per signature then stays off the request path.
 *   Node has no API that signs a ready digest and also tells the recovery id, which the device
 *   returns; the pool gives both.
 * - k·G for P-256 comes from OpenSSL (`createECDH().generateKeys`, the constant-time nistz256
 *   code); for secp256k1 from libsecp256k1 (Bitcoin Core's library, through the `secp256k1`
 *   package's prebuilt N-API binding), because OpenSSL's generic-curve code is about 25 times
 *   slower. Where that binding cannot load (no prebuild for the platform) `@noble/curves`
 *   multiplies instead.
 * - Ed25519: libsodium (`sodium-native`'s prebuilt binding), twice as fast as OpenSSL 3.0's
 *   Ed25519; OpenSSL (`crypto.sign`) where the binding cannot load. The expanded key is built
 *   once per key.
 *
 * Nonces are fresh random k from a CSPRNG (OpenSSL's for P-256, the system's with FIPS 186-5
 * A.3.2 rejection sampling for secp256k1), not RFC 6979, which the device is not required to
 * follow: equal inputs give different, equally valid signatures.
 *
 * The emulator holds its keys in memory in any case; the scalar arithmetic uses BigInt and is
 * not constant-time, which is acceptable for a development device, not for a real HSM.
 *
 * @packageDocumentation
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { nonceSources } from './nonce_sources.js';
import { PresignaturePool, type Presigned } from './presign.js';
import { presignatureSupplier } from './presign_supplier.js';

export { nobleBaseMultiply, nonceSources, secp256k1Backend } from './nonce_sources.js';

/** A raw ECDSA signature and the y parity of its nonce point. */
export type RawEcdsa = Presigned;

const p256Pool = new PresignaturePool(p256.Point.Fn, nonceSources.p256, {
  supplier: presignatureSupplier('p256'),
});
const secp256k1Pool = new PresignaturePool(secp256k1.Point.Fn, nonceSources.secp256k1, {
  supplier: presignatureSupplier('secp256k1'),
});

/**
 * ECDSA P-256 over a 32-byte digest, s as computed (not forced low). The caller has checked
 * the key (1 <= d < n) and the digest length.
 */
export function signP256(privateKey: Uint8Array, digest: Uint8Array): RawEcdsa {
  return p256Pool.sign(privateKey, digest);
}

/** ECDSA secp256k1 over a 32-byte digest, s as computed (not forced low). */
export function signSecp256k1(privateKey: Uint8Array, digest: Uint8Array): RawEcdsa {
  return secp256k1Pool.sign(privateKey, digest);
}

interface Libsodium {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
}

/** libsodium's binding (`sodium-native`), or undefined when it cannot load on this platform. */
function loadLibsodium(): Libsodium | undefined {
  try {
    return createRequire(import.meta.url)('sodium-native') as Libsodium;
  } catch {
    return undefined;
  }
}

const libsodium = loadLibsodium();

/** Which Ed25519 implementation signs: for diagnostics (`zkbridge selfcheck`). */
export const ed25519Backend: 'libsodium' | 'openssl' = libsodium ? 'libsodium' : 'openssl';

/** DER prefix of a PKCS #8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Signs with one seed; built once per key (the expanded key costs a point multiplication). */
type Ed25519Signer = (message: Uint8Array) => Uint8Array;
const ed25519Signers = new WeakMap<Uint8Array, Ed25519Signer>();

function libsodiumSigner(sodium: Libsodium, seed: Uint8Array): Ed25519Signer {
  const secretKey = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(new Uint8Array(32), secretKey, seed);
  return (message) => {
    const signature = new Uint8Array(64);
    sodium.crypto_sign_detached(signature, message, secretKey);
    return signature;
  };
}

/** Ed25519 through OpenSSL (`crypto.sign`). */
export function opensslEd25519Signer(seed: Uint8Array): Ed25519Signer {
  const key: KeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return (message) => {
    const signature = sign(null, message, key);
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.length);
  };
}

/**
 * Pure Ed25519 (RFC 8032, deterministic): libsodium, about twice as fast as OpenSSL 3.0's
 * Ed25519 here, else OpenSSL. `seed` has been checked to be 32 bytes.
 */
export function signEd25519Seed(seed: Uint8Array, message: Uint8Array): Uint8Array {
  let signer = ed25519Signers.get(seed);
  if (signer === undefined) {
    signer = libsodium ? libsodiumSigner(libsodium, seed) : opensslEd25519Signer(seed);
    ed25519Signers.set(seed, signer);
  }
  return signer(message);
}
