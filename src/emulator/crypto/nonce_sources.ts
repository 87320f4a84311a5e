/**
 * Where ECDSA nonces and their points come from, per curve: OpenSSL for P-256, libsecp256k1
 * for secp256k1 (noble where its binding cannot load). Used by the presignature pools on the
 * main thread and by the presignature worker (presign_worker.ts), which is why it has a module
 * of its own: loading it starts no pool and no thread.
 *
 * @packageDocumentation
 */
import { createECDH } from 'node:crypto';
import { createRequire } from 'node:module';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { EcdsaCurve } from './keys.js';
import {
  bytesToBigInt,
  randomNonces,
  type BasePointMultiply,
  type NonceSource,
} from './presign.js';

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
