/**
 * The codec backends every codec test runs against: the native addon when it loads, and always
 * the TypeScript fallback.
 */
import { availableBackends } from '../../src/native/index.ts';
import { typescriptBackend } from '../../src/native/fallback/index.ts';
import type { CodecBackend, DecoderStats, Frame } from '../../src/native/types.ts';

/**
 * `availableBackends()` of the native facade, with the TypeScript backend always included. Set
 * `ZKBRIDGE_NO_ADDON=1` to run the tests on the TypeScript backend alone.
 */
export async function backends(): Promise<CodecBackend[]> {
  const list = await Promise.resolve(availableBackends());
  return list.some((b) => b.name === 'typescript') ? list : [...list, typescriptBackend];
}

/** A frame as the vector files write it: snake_case fields, payload in hex. */
export interface PlainFrame {
  kind: number;
  more: boolean;
  request_id: number;
  command: number;
  status: number;
  frag_index: number;
  payload: string;
}

/** Decoder counters as the vector files write them. */
export interface PlainStats {
  frames: number;
  garbage_bytes: number;
  header_errors: number;
  version_errors: number;
  oversize_errors: number;
  crc_errors: number;
}

/** Everything a decoder reports after a run. */
export interface DecodeResult {
  frames: PlainFrame[];
  stats: PlainStats;
  pending: number;
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hex string (a fresh Uint8Array, not a Buffer). */
export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** `frame` in the vector files' form. */
export function plainFrame(frame: Frame): PlainFrame {
  return {
    kind: frame.kind,
    more: frame.more,
    request_id: frame.requestId,
    command: frame.command,
    status: frame.status,
    frag_index: frame.fragIndex,
    payload: toHex(frame.payload),
  };
}

/** `stats` in the vector files' form. */
export function plainStats(stats: DecoderStats): PlainStats {
  return {
    frames: stats.frames,
    garbage_bytes: stats.garbageBytes,
    header_errors: stats.headerErrors,
    version_errors: stats.versionErrors,
    oversize_errors: stats.oversizeErrors,
    crc_errors: stats.crcErrors,
  };
}

/**
 * Feeds `chunks` to a fresh decoder of `backend`. Payloads are converted only after the last
 * chunk, so a payload that aliased memory the decoder reuses would show up as a mismatch.
 */
export function decodeChunks(
  backend: CodecBackend,
  maxPayload: number,
  chunks: Iterable<Uint8Array>,
): DecodeResult {
  const decoder = backend.createDecoder(maxPayload);
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    frames.push(...decoder.push(chunk));
  }
  return {
    frames: frames.map(plainFrame),
    stats: plainStats(decoder.stats),
    pending: decoder.pending,
  };
}
