/**
 * Loads the native addon built by node-gyp, unless `ZKBRIDGE_NO_ADDON=1` forces the TypeScript
 * fallback. A load failure is remembered (with its cause) rather than thrown, so the facade can
 * fall back and report why.
 */
import { createRequire } from 'node:module';
import { CodecError } from './errors.js';

/** The raw addon surface (see native/addon/*.cc). Arguments are validated before these calls. */
export interface AddonExports {
  init(errorClass: typeof CodecError): void;
  crc32c(data: Uint8Array, prev: number): number;
  crc32cPortable(data: Uint8Array, prev: number): number;
  crc32cHw(data: Uint8Array, prev: number): number;
  crc16Atecc(data: Uint8Array, prev: number): number;
  crc32cImpl(): string;
  crc32cHwAvailable(): boolean;
  crc32cForcePortable(on: boolean): void;
  encodeBatch(
    out: Uint8Array,
    offset: number,
    records: Uint32Array,
    count: number,
    payloads: Uint8Array,
  ): number;
  NativeDecoder: new (maxPayload: number) => NativeDecoder;
}

/** The native decoder object (native/addon/frame_binding.cc). */
export interface NativeDecoder {
  decode(
    chunk: Uint8Array,
    offset: number,
    records: Uint32Array,
    spill: Uint8Array,
    meta: Uint32Array,
  ): number;
  reset(): void;
  pending(): number;
  stats(out: Float64Array): void;
}

/** Result of trying to load the addon. */
export type AddonLoad =
  { ok: true; addon: AddonExports; path: string } | { ok: false; reason: string; cause?: unknown };

const CANDIDATES = ['../../build/Release/zkbridge.node', '../../build/Debug/zkbridge.node'];

function load(): AddonLoad {
  if (process.env['ZKBRIDGE_NO_ADDON'] === '1') {
    return { ok: false, reason: 'disabled by ZKBRIDGE_NO_ADDON=1' };
  }
  const require = createRequire(import.meta.url);
  let lastError: unknown;
  for (const candidate of CANDIDATES) {
    try {
      const path = require.resolve(candidate);
      const addon = require(path) as AddonExports;
      addon.init(CodecError);
      return { ok: true, addon, path };
    } catch (error) {
      lastError = error;
    }
  }
  return { ok: false, reason: 'native addon not built or not loadable', cause: lastError };
}

/** The addon load result, computed once per thread on first use. */
export const addonLoad: AddonLoad = load();
