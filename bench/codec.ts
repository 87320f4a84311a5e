/**
 * `npm run bench -- codec [--json]`: CRC-32C and frame codec throughput, side by side in one run.
 *
 * - CRC-32C GB/s on 64 KiB buffers: hardware path and portable C path (through the addon, and in
 *   pure C from native/bench/bench_codec.c), the TypeScript fallback, and popular npm packages.
 * - CRC-32C million ops/s on 64-byte buffers, same contenders.
 * - Frames/s encoding and decoding 64-byte payloads: addon batch calls, TypeScript fallback,
 *   pure C; and GB/s for 64 KiB payloads.
 */
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';
import { crc32c as awsCrc32c } from '@aws-crypto/crc32c';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { addonLoad } from '../src/native/addon_loader.ts';
import { availableBackends, type CodecBackend } from '../src/native/index.ts';
import { typescriptBackend } from '../src/native/fallback/index.ts';
import { bestRate, Report } from './harness.ts';

const report = new Report();
const big = randomBytes(65536);
const small = randomBytes(64);
const GB = 1e9;

if (!addonLoad.ok) {
  console.error(`the native addon is not available (${addonLoad.reason}); build it with npm ci`);
  process.exit(1);
}
const addon = addonLoad.addon;

// --- CRC-32C ---------------------------------------------------------------------------------
const contenders: [key: string, label: string, fn: (b: Uint8Array) => number][] = [
  ['hw', `addon, hardware path (${addon.crc32cImpl()})`, (b) => addon.crc32cHw(b, 0)],
  ['portable', 'addon, portable C path (slice-by-8)', (b) => addon.crc32cPortable(b, 0)],
  ['ts', 'TypeScript fallback', (b) => typescriptBackend.crc32c(b, 0)],
  [
    'npm_node_rs',
    'npm @node-rs/crc32 (crc32c, native)',
    (b) => nodeRsCrc32c(Buffer.from(b.buffer, b.byteOffset, b.length)),
  ],
  ['npm_aws', 'npm @aws-crypto/crc32c (pure JS)', (b) => awsCrc32c(b)],
];

const want = typescriptBackend.crc32c(big, 0);
for (const [, label, fn] of contenders) {
  if (fn(big) >>> 0 !== want) throw new Error(`${label} computes a different CRC-32C`);
}

report.line('CRC-32C, 64 KiB buffers (GB/s)');
const gbps: Record<string, number> = {};
for (const [key, label, fn] of contenders) {
  gbps[key] = (bestRate(() => fn(big), 3, 400) * big.length) / GB;
  report.set(`crc32c_${key}_gbps`, gbps[key], label);
}

report.line('CRC-32C, 64-byte buffers (million ops/s)');
for (const [key, label, fn] of contenders) {
  report.set(`crc32c_${key}_64b_mops`, bestRate(() => fn(small), 3, 300) / 1e6, label);
}

// --- Frame codec -------------------------------------------------------------------------------
function backToBack(b: CodecBackend, payloadSize: number, count: number): Uint8Array {
  const size = payloadSize + 24;
  const out = new Uint8Array(size * count);
  const payload = randomBytes(payloadSize);
  for (let i = 0; i < count; i++) {
    b.encodeFrameInto(
      { kind: 1, requestId: i, command: 0x0401, status: 0, fragIndex: 0, more: false, payload },
      out,
      i * size,
    );
  }
  return out;
}

report.line('Frames with 64-byte payloads (frames/s)');
const fps: Record<string, number> = {};
for (const b of availableBackends()) {
  const stream = backToBack(b, 64, 4096);
  const decoder = b.createDecoder(65536);
  const decodeRate = bestRate(() => decoder.push(stream), 3, 400) * 4096;
  fps[b.name] = decodeRate;
  report.set(`decode64_${b.name}_fps`, decodeRate, `decode, ${b.name} (4096 frames per push)`);
  const out = new Uint8Array(88);
  const frame = {
    kind: 0,
    requestId: 7,
    command: 0x0401,
    status: 0,
    fragIndex: 0,
    more: false,
    payload: small,
  } as const;
  report.set(
    `encode64_${b.name}_fps`,
    bestRate(() => b.encodeFrameInto(frame, out, 0), 3, 300),
    `encode, ${b.name} (one frame per call)`,
  );
}

report.line('Frames with 64 KiB payloads (payload GB/s, encode + decode)');
for (const b of availableBackends()) {
  const out = new Uint8Array(65536 + 24);
  const decoder = b.createDecoder(65536);
  const frame = {
    kind: 0,
    requestId: 7,
    command: 0x0601,
    status: 0,
    fragIndex: 0,
    more: false,
    payload: big,
  } as const;
  const r = bestRate(
    () => {
      b.encodeFrameInto(frame, out, 0);
      decoder.push(out);
    },
    3,
    400,
  );
  report.set(`codec64k_${b.name}_gbps`, (r * 65536) / GB, `encode+decode, ${b.name}`);
}

// --- Pure C figures --------------------------------------------------------------------------
const cBench = 'build-c/release/bench_codec';
if (!existsSync(cBench)) {
  execFileSync('node', ['scripts/build_c.mjs', 'release'], { stdio: 'inherit' });
}
report.line('Pure C (native/bench/bench_codec.c)');
const cOut = execFileSync(cBench, [], { encoding: 'utf8' }).trim().split('\n');
const c = JSON.parse(cOut[cOut.length - 1] ?? '{}') as Record<string, number>;
for (const [key, value] of Object.entries(c)) report.set(`c_${key}`, value, key);
report.set('decode64_c_fps', c['decode64_c_fps'] ?? 0);

// --- Headline figures and ratios -------------------------------------------------------------
report.line('Headline');
report.set('crc32c_hw_gbps', gbps['hw'] ?? 0, 'crc32c_hw_gbps (goal >= 20)');
report.set('crc32c_portable_gbps', gbps['portable'] ?? 0, 'crc32c_portable_gbps');
report.set('crc32c_ts_gbps', gbps['ts'] ?? 0, 'crc32c_ts_gbps');
report.set(
  'crc32c_best_npm_gbps',
  Math.max(gbps['npm_node_rs'] ?? 0, gbps['npm_aws'] ?? 0),
  'crc32c_best_npm_gbps',
);
report.set(
  'native_vs_ts_ratio',
  (gbps['hw'] ?? 0) / (gbps['ts'] ?? 1),
  'hardware CRC / TS fallback (goal >= 20)',
);
report.set(
  'hw_vs_best_npm_ratio',
  (gbps['hw'] ?? 0) / Math.max(gbps['npm_node_rs'] ?? 0, gbps['npm_aws'] ?? 1e-9),
  'hardware CRC / best npm package',
);
report.set('decode64_addon_fps', fps['addon'] ?? 0, 'decode64_addon_fps (goal >= 2e6)');
report.set('decode64_ts_fps', fps['typescript'] ?? 0, 'decode64_ts_fps');
report.set('decode64_c_fps', c['decode64_c_fps'] ?? 0, 'decode64_c_fps');
report.finish();
