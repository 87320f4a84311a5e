/**
 * `npm run bench -- device [--json]`: signing through the client against the emulator, side by
 * side with Node's own crypto.sign on a software key in this process (the practical limit).
 * For each curve: raw ops/s and p50, one request at a time (seq) with round-trip p50, and 64
 * requests in flight (pipelined).
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Device } from '../src/provider/index.ts';
import { Report } from './harness.ts';

const report = new Report();
const SECONDS = process.argv.includes('--quick') ? 0.5 : 1.5;
const message = new TextEncoder().encode('zkbridge device benchmark message');
const digest = new Uint8Array(createHash('sha256').update(message).digest());

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `op` back to back for SECONDS; returns ops/s and per-op latencies (µs). */
async function sequential(op: () => unknown): Promise<{ ops: number; lat: number[] }> {
  const lat: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    const t = performance.now();
    await op();
    lat.push((performance.now() - t) * 1000);
    n++;
  }
  return { ops: n / ((performance.now() - start) / 1000), lat };
}

/** Keeps `depth` operations in flight for SECONDS; returns ops/s. */
async function pipelined(op: () => Promise<unknown>, depth: number): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: depth }, async () => {
      while (performance.now() < end) {
        await op();
        n++;
      }
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

const dir = await mkdtemp(join(tmpdir(), 'zkb-bench-'));
const device = await Device.connect({
  address: 'emulator',
  emulator: { model: 'hsm6', stateDir: join(dir, 'state') },
});
try {
  const curves: [name: string, type: 'nistp256' | 'ed25519' | 'secp256k1', key: KeyObject][] = [
    ['p256', 'nistp256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey],
    ['ed25519', 'ed25519', generateKeyPairSync('ed25519').privateKey],
    ['k256', 'secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey],
  ];
  for (const [name, type, key] of curves) {
    const slot = await device.genKeyPair(type);
    const remote =
      type === 'ed25519'
        ? () => device.signEdDSA(message, slot)
        : () => device.genECDSASigFromDigest(digest, slot);
    const local =
      type === 'ed25519' ? () => sign(null, message, key) : () => sign('sha256', message, key);
    await pipelined(remote, 8); // warm up the JIT on both sides
    const raw = await sequential(local);
    const seq = await sequential(remote);
    const piped = await pipelined(remote, 64);
    report.line(name);
    report.set(`${name}_raw_ops`, raw.ops, 'crypto.sign in process, ops/s');
    report.set(`${name}_raw_p50_us`, percentile(raw.lat, 50), 'crypto.sign p50, µs');
    report.set(`${name}_seq_ops`, seq.ops, 'device, one at a time, ops/s');
    report.set(`${name}_rtt_p50_us`, percentile(seq.lat, 50), 'device round trip p50, µs');
    report.set(`${name}_rtt_p99_us`, percentile(seq.lat, 99), 'device round trip p99, µs');
    report.set(`${name}_pipelined_ops`, piped, 'device, 64 in flight, ops/s');
    report.set(
      `${name}_pipelined_vs_raw`,
      piped / raw.ops,
      'pipelined / raw (goal >= 0.7 for p256, ed25519)',
    );
  }
} finally {
  await device.close();
  await rm(dir, { recursive: true, force: true });
}
report.finish();
