/**
 * The public codec facade: argument validation (TypeError / RangeError, before any backend is
 * touched), the forced fallback, and errors the addon builds from the JS CodecError class.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  CodecError,
  FrameKind,
  MAX_PAYLOAD,
  backend,
  crc16Atecc,
  crc32c,
  createDecoder,
  encodeFrame,
  encodeFrameInto,
} from '../../src/native/index.ts';
import { addonLoad } from '../../src/native/addon_loader.ts';

const root = new URL('../..', import.meta.url);

void test('CRC arguments are checked', () => {
  assert.throws(() => crc32c('abc' as unknown as Uint8Array), TypeError);
  assert.throws(() => crc32c(new Uint8Array(1), -1), RangeError);
  assert.throws(() => crc32c(new Uint8Array(1), 2 ** 32), RangeError);
  assert.throws(() => crc16Atecc(new Uint8Array(1), 0x10000), RangeError);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // Chaining from a previous value gives the CRC of the concatenation.
  const all = new TextEncoder().encode('123456789');
  assert.equal(crc32c(all.subarray(4), crc32c(all.subarray(0, 4))), 0xe3069283);
  assert.equal(crc16Atecc(all.subarray(3), crc16Atecc(all.subarray(0, 3))), 0xbcdd);
});

void test('frame fields are range-checked before encoding', () => {
  const ok = { kind: FrameKind.Request, requestId: 1, command: 2 };
  assert.equal(encodeFrame(ok).length, 24);
  assert.throws(() => encodeFrame({ ...ok, kind: 3 as FrameKind }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, requestId: -1 }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, requestId: 1.5 }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, command: 0x10000 }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, status: 0x10000 }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, fragIndex: -1 }), RangeError);
  assert.throws(() => encodeFrame({ ...ok, more: 1 as unknown as boolean }), TypeError);
  assert.throws(() => encodeFrame({ ...ok, payload: [1] as unknown as Uint8Array }), TypeError);
  assert.throws(() => encodeFrame({ ...ok, payload: new Uint8Array(MAX_PAYLOAD + 1) }), RangeError);
  assert.throws(() => encodeFrame(null as unknown as typeof ok), TypeError);
  assert.equal(
    encodeFrame({ ...ok, payload: new Uint8Array(MAX_PAYLOAD) }).length,
    MAX_PAYLOAD + 24,
  );
});

void test('encodeFrameInto refuses a buffer without room and writes at the offset', () => {
  const frame = {
    kind: FrameKind.Event,
    requestId: 0,
    command: 0x0d01,
    payload: new Uint8Array(8),
  };
  assert.throws(() => encodeFrameInto(frame, new Uint8Array(31)), RangeError);
  assert.throws(() => encodeFrameInto(frame, new Uint8Array(40), 9), RangeError);
  assert.throws(() => encodeFrameInto(frame, new Uint8Array(40), -1), RangeError);
  const out = new Uint8Array(40);
  assert.equal(encodeFrameInto(frame, out, 8), 32);
  assert.deepEqual(out.subarray(8), encodeFrame(frame));
  assert.ok(out.subarray(0, 8).every((b) => b === 0));
});

void test('decoder options and chunks are checked', () => {
  assert.throws(() => createDecoder({ maxPayload: 255 }), RangeError);
  assert.throws(() => createDecoder({ maxPayload: MAX_PAYLOAD + 1 }), RangeError);
  assert.throws(() => createDecoder({ maxPayload: 1000.5 }), RangeError);
  const decoder = createDecoder({ maxPayload: 256 });
  assert.throws(() => decoder.push('x' as unknown as Uint8Array), TypeError);
  const frame = encodeFrame({ kind: FrameKind.Response, requestId: 9, command: 1, status: 0x0201 });
  const [got] = decoder.push(frame);
  assert.equal(got?.status, 0x0201);
  decoder.push(frame.subarray(0, 5));
  assert.equal(decoder.pending, 5);
  decoder.reset();
  assert.equal(decoder.pending, 0);
  assert.equal(decoder.stats.garbageBytes, 5);
});

void test('the addon is in use when built, and ZKBRIDGE_NO_ADDON=1 forces the TypeScript codec', () => {
  if (addonLoad.ok) assert.equal(backend.name, 'addon');
  const script =
    "import('./src/native/index.ts').then((m) => console.log(m.backend.name + ' ' + m.addonUnavailableReason))";
  const out = execFileSync('node', ['--import', 'tsx', '-e', script], {
    cwd: root,
    env: { ...process.env, ZKBRIDGE_NO_ADDON: '1' },
    encoding: 'utf8',
  });
  assert.equal(out.trim(), 'typescript disabled by ZKBRIDGE_NO_ADDON=1');
});

void test('native errors are CodecError instances with a stable code, built from the JS class', (t) => {
  if (!addonLoad.ok) {
    t.skip(`addon not loaded: ${addonLoad.reason}`);
    return;
  }
  const addon = addonLoad.addon;
  const records = new Uint32Array(8);
  records[6] = 100; // a 100-byte payload into a 10-byte output
  assert.throws(
    () => addon.encodeBatch(new Uint8Array(10), 0, records, 1, new Uint8Array(100)),
    (e: unknown) => e instanceof CodecError && e.code === 'ERR_NATIVE_ENCODE',
  );
  if (!addon.crc32cHwAvailable()) {
    assert.throws(
      () => addon.crc32cHw(new Uint8Array(1), 0),
      (e: unknown) => e instanceof CodecError && e.code === 'ERR_CRC_HW_UNAVAILABLE',
    );
  }
});

void test('forcing the portable C path gives the same CRCs', (t) => {
  if (!addonLoad.ok) {
    t.skip('addon not loaded');
    return;
  }
  const a = addonLoad.addon;
  const data = new Uint8Array(100_003).map((_, i) => (i * 131 + 7) & 0xff);
  const auto = a.crc32c(data, 0);
  a.crc32cForcePortable(true);
  try {
    assert.equal(a.crc32cImpl(), 'portable');
    assert.equal(a.crc32c(data, 0), auto);
  } finally {
    a.crc32cForcePortable(false);
  }
  assert.equal(a.crc32cPortable(data, 0), auto);
});
