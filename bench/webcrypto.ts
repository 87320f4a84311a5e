/**
 * `npm run bench -- webcrypto [--json]`: `subtle.sign` with device keys through the drop-in
 * against Node's own `crypto.subtle.sign` with software keys, in one run. For ECDSA P-256 and
 * Ed25519: one at a time, and 64 concurrent. Headline keys: `p256_native_ops`, `p256_hsm_ops`,
 * `ed25519_native_ops`, `ed25519_hsm_ops` (64 concurrent); goal: hsm >= 50% of native.
 */
import { webcrypto } from 'node:crypto';
import { createCrypto, type AlgorithmParams, type CryptoKeyPair } from '../src/webcrypto/index.ts';
import { inFlightRate, Report } from './harness.ts';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 0.3 : 0.8;
const ROUNDS = QUICK ? 1 : 3;
const report = new Report();
const data = new TextEncoder().encode(
  'zkbridge webcrypto benchmark: a JWT signing input of some length',
);

function rate(op: () => Promise<unknown>, depth: number): Promise<number> {
  return inFlightRate(op, depth, SECONDS);
}

const zk = await createCrypto(); // ZKBRIDGE_DEVICE, or an embedded emulator
try {
  const cases: [string, AlgorithmParams, AlgorithmParams][] = [
    ['p256', { name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }],
    ['ed25519', { name: 'Ed25519' }, 'Ed25519'],
  ];
  for (const [name, keyAlgorithm, signAlgorithm] of cases) {
    const device = (await zk.subtle.generateKey(keyAlgorithm, false, [
      'sign',
    ])) as unknown as CryptoKeyPair;
    const soft = await webcrypto.subtle.generateKey(
      keyAlgorithm as unknown as webcrypto.EcKeyGenParams,
      false,
      ['sign', 'verify'],
    );
    const hsm = (): Promise<ArrayBuffer> => zk.subtle.sign(signAlgorithm, device.privateKey, data);
    const native = (): Promise<ArrayBuffer> =>
      webcrypto.subtle.sign(signAlgorithm, soft.privateKey, data);
    await rate(hsm, 8); // warm up both sides
    await rate(native, 8);
    const best = { nativeSeq: 0, hsmSeq: 0, native: 0, hsm: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      best.nativeSeq = Math.max(best.nativeSeq, await rate(native, 1));
      best.hsmSeq = Math.max(best.hsmSeq, await rate(hsm, 1));
      best.native = Math.max(best.native, await rate(native, 64));
      best.hsm = Math.max(best.hsm, await rate(hsm, 64));
    }
    report.line(name);
    report.set(
      `${name}_native_seq_ops`,
      best.nativeSeq,
      "Node's subtle.sign, software key, one at a time",
    );
    report.set(
      `${name}_hsm_seq_ops`,
      best.hsmSeq,
      'drop-in subtle.sign, device key, one at a time',
    );
    report.set(
      `${name}_native_ops`,
      best.native,
      "Node's subtle.sign, software key, 64 concurrent",
    );
    report.set(`${name}_hsm_ops`, best.hsm, 'drop-in subtle.sign, device key, 64 concurrent');
    report.set(
      `${name}_hsm_vs_native`,
      best.hsm / best.native,
      'hsm / native, 64 concurrent (goal >= 0.5)',
    );
  }
} finally {
  await zk.close();
}
report.finish();
