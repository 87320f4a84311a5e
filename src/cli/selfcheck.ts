/**
 * `zkbridge selfcheck`: known-answer checks of the checksums and the frame codec on every
 * backend, a cross-backend comparison on random streams, a short throughput reading, and which
 * native signing code the emulator uses here.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ed25519Backend, secp256k1Backend } from '../emulator/crypto/fast_sign.js';
import {
  FrameKind,
  addonUnavailableReason,
  availableBackends,
  backend,
  type CodecBackend,
  type Frame,
} from '../native/index.js';

interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function knownAnswers(b: CodecBackend): Check[] {
  const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
  const cases: [string, number, number, number][] = [
    // name, computed, expected, hex digits
    ['crc32c("123456789") (RFC 3720 check value)', b.crc32c(ascii('123456789'), 0), 0xe3069283, 8],
    ['crc32c(32 x 0x00) (RFC 3720 B.4)', b.crc32c(new Uint8Array(32), 0), 0x8a9136aa, 8],
    ['crc32c(32 x 0xff) (RFC 3720 B.4)', b.crc32c(new Uint8Array(32).fill(0xff), 0), 0x62a8ab43, 8],
    [
      'crc16_atecc("123456789") (ATECC check value)',
      b.crc16Atecc(ascii('123456789'), 0),
      0xbcdd,
      4,
    ],
  ];
  return cases.map(([name, got, want, digits]) => ({
    name: `${b.name}: ${name}`,
    ok: got === want,
    detail: `${hex(got, digits)} (want ${hex(want, digits)})`,
  }));
}

/** A random stream of frames and garbage, and the frames it holds. */
function randomStream(b: CodecBackend, count: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const payload = randomBytes(Math.floor(Math.random() * 600));
    const out = new Uint8Array(payload.length + 24);
    b.encodeFrameInto(
      {
        kind: (i % 3) as FrameKind,
        requestId: i,
        command: i & 0xffff,
        status: 0,
        fragIndex: 0,
        more: false,
        payload,
      },
      out,
      0,
    );
    if (i % 7 === 3) out[30 % out.length] = (out[30 % out.length] ?? 0) ^ 0x10; // corrupt some
    parts.push(out, randomBytes(i % 5));
  }
  return Buffer.concat(parts);
}

function decodeInChunks(b: CodecBackend, stream: Uint8Array): { frames: Frame[]; stats: string } {
  const decoder = b.createDecoder(65536);
  const frames: Frame[] = [];
  for (let pos = 0; pos < stream.length;) {
    const n = 1 + Math.floor(Math.random() * 700);
    frames.push(...decoder.push(stream.subarray(pos, pos + n)));
    pos += n;
  }
  return { frames, stats: JSON.stringify(decoder.stats) };
}

function crossBackend(backends: CodecBackend[]): Check {
  const reference = backends[backends.length - 1] as CodecBackend;
  const stream = randomStream(reference, 2000);
  const results = backends.map((b) => decodeInChunks(b, stream));
  const first = results[0] as { frames: Frame[]; stats: string };
  const same = results.every(
    (r) =>
      r.stats === first.stats &&
      r.frames.length === first.frames.length &&
      r.frames.every((f, i) =>
        Buffer.from(f.payload).equals(first.frames[i]?.payload ?? new Uint8Array()),
      ),
  );
  return {
    name: `${backends.map((b) => b.name).join(' = ')} on 2000 random frames with corruption`,
    ok: same && first.frames.length > 1500,
    detail: `${first.frames.length} frames, stats ${first.stats}`,
  };
}

/** Calls per second of `fn` over ~200 ms, after a short warm-up for the JIT. */
function callsPerSecond(fn: () => unknown): number {
  for (let t = performance.now(); performance.now() - t < 50;) fn();
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 200) {
    fn();
    n++;
  }
  return n / ((performance.now() - t) / 1000);
}

function throughput(b: CodecBackend): Record<string, number> {
  const buf = randomBytes(65536);
  const gbps = (callsPerSecond(() => b.crc32c(buf, 0)) * buf.length) / 1e9;
  const frame = new Uint8Array(88);
  b.encodeFrameInto(
    {
      kind: 0,
      requestId: 1,
      command: 2,
      status: 0,
      fragIndex: 0,
      more: false,
      payload: new Uint8Array(64),
    },
    frame,
    0,
  );
  const batch = new Uint8Array(frame.length * 1000);
  for (let i = 0; i < 1000; i++) batch.set(frame, i * frame.length);
  const decoder = b.createDecoder(65536);
  const fps = callsPerSecond(() => decoder.push(batch)) * 1000;
  return { crc32c_64k_gbps: Number(gbps.toFixed(2)), decode64_fps: Math.round(fps) };
}

/** Runs the self-check; returns the process exit code. */
export function selfcheck(json: boolean): number {
  const backends = availableBackends();
  const checks = [...backends.flatMap(knownAnswers), crossBackend(backends)];
  const speed = Object.fromEntries(backends.map((b) => [b.name, throughput(b)]));
  const ok = checks.every((c) => c.ok);
  if (json) {
    const signing = { secp256k1: secp256k1Backend, ed25519: ed25519Backend };
    console.log(JSON.stringify({ ok, backend: backend.name, signing, checks, speed }));
    return ok ? 0 : 1;
  }
  console.log(`zkbridge codec self-check (backend in use: ${backend.name})`);
  if (addonUnavailableReason) console.log(`  native addon not in use: ${addonUnavailableReason}`);
  for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail ?? ''}`);
  for (const [name, s] of Object.entries(speed)) {
    console.log(
      `  ${name.padEnd(10)} CRC-32C ${String(s['crc32c_64k_gbps']).padStart(6)} GB/s on 64 KiB; ` +
        `decode ${(Number(s['decode64_fps']) / 1e6).toFixed(2)} M frames/s (64-byte payloads)`,
    );
  }
  console.log(
    `  emulator signing: secp256k1 nonce points by ${secp256k1Backend}, Ed25519 by ${ed25519Backend}`,
  );
  console.log(ok ? 'self-check passed' : 'self-check FAILED');
  return ok ? 0 : 1;
}
