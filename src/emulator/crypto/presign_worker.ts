/**
 * The presignature worker: a thread that makes ECDSA presignatures for the pools of the main
 * thread (presign_supplier.ts), so the point multiplication behind every signature is not on
 * the device's request path. It holds no key: a presignature is (r, k⁻¹, parity) for a fresh
 * nonce, and the private key only meets it on the main thread.
 *
 * Messages: `{ id, curve, count }` in, `{ id, batch }` out, batch being {@link Presignature}s.
 *
 * @packageDocumentation
 */
import { parentPort } from 'node:worker_threads';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { nonceSources } from './nonce_sources.js';
import { makePresignatures } from './presign.js';

/** A request of the main thread. */
export interface PresignRequest {
  id: number;
  curve: 'p256' | 'secp256k1';
  count: number;
}

const fields = { p256: p256.Point.Fn, secp256k1: secp256k1.Point.Fn } as const;

parentPort?.on('message', (request: PresignRequest) => {
  const batch = makePresignatures(
    fields[request.curve],
    nonceSources[request.curve],
    request.count,
  );
  parentPort?.postMessage({ id: request.id, batch });
});
