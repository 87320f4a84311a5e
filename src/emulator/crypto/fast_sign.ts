/**
 * The signing paths the device's throughput rests on, each chosen by measurement (see
 * docs/emulator.md, "Signing speed"):
 *
 * - ECDSA (P-256 and secp256k1) signs from a {@link PresignaturePool}: the nonce point k·G and
 *   k⁻¹ are made ahead of time in batches, so a signature is two modular multiplications.
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
import { createECDH, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { EcdsaCurve } from './keys.js';
import {
  bytesToBigInt,
  PresignaturePool,
  randomNonces,
  type BasePointMultiply,
  type NonceSource,
  type Presigned,
} from './presign.js';

/** A raw ECDSA signature and the y parity of its nonce point. */
export type RawEcdsa = Presigned;

/** x and y parity of an uncompressed point 04||X||Y. */
function nonceView(point: Uint8Array): { x: Uint8Array; yOdd: boolean } {
  return { x: point.subarray(1, 33), yOdd: ((point[64] ?? 0) & 1) === 1 };
}

/**
 * P-256 nonces from OpenSSL: `generateKeys` draws k in [1, n-1] from OpenSSL's CSPRNG and
 * computes k·G in one call (faster than handing it a k of ours).
 */
function opensslP256Nonces(): NonceSource {
  const ecdh = createECDH('prime256v1');
  return () => {
    const point = ecdh.generateKeys();
    return { k: bytesToBigInt(ecdh.getPrivateKey()), ...nonceView(point) };
  };
}

interface Libsecp256k1 {
  publicKeyCreate(privateKey: Uint8Array, compressed: false): Uint8Array;
}

/** libsecp256k1's binding, or undefined when it cannot load on this platform. */
function loadLibsecp256k1(): Libsecp256k1 | undefined {
  try {
    // The binding entry itself, so a failed load falls back to noble, not to elliptic.
    return createRequire(import.meta.url)('secp256k1/bindings') as Libsecp256k1;
  } catch {
    return undefined;
  }
}

const libsecp256k1 = loadLibsecp256k1();

/** Which secp256k1 implementation multiplies points: for diagnostics (`zkbridge selfcheck`). */
export const secp256k1Backend: 'libsecp256k1' | 'noble' = libsecp256k1 ? 'libsecp256k1' : 'noble';

/** Fixed-base multiplication k·G in pure JS (`@noble/curves`): the fallback, and a reference. */
export function nobleBaseMultiply(curve: EcdsaCurve): BasePointMultiply {
  return (k) => nonceView(curve.Point.BASE.multiply(bytesToBigInt(k)).toBytes(false));
}

/** The nonce sources the pools use, by curve (exported for tests). */
export const nonceSources: Readonly<Record<'p256' | 'secp256k1', NonceSource>> = {
  p256: opensslP256Nonces(),
  secp256k1: randomNonces(
    secp256k1.Point.Fn.ORDER,
    libsecp256k1
      ? (k) => nonceView(libsecp256k1.publicKeyCreate(k, false))
      : nobleBaseMultiply(secp256k1),
  ),
};

const p256Pool = new PresignaturePool(p256.Point.Fn, nonceSources.p256);
const secp256k1Pool = new PresignaturePool(secp256k1.Point.Fn, nonceSources.secp256k1);

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
