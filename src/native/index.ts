/**
 * The frame codec and checksums of the device protocol (docs/protocol.md), backed by the native
 * C core when the addon loads and by an identical TypeScript implementation otherwise
 * (`ZKBRIDGE_NO_ADDON=1` forces the fallback). Arguments are validated here, once, for both.
 *
 * @packageDocumentation
 */
import { createAddonBackend } from './addon_backend.js';
import { addonLoad } from './addon_loader.js';
import { typescriptBackend } from './fallback/index.js';
import {
  FRAME_OVERHEAD,
  MAX_PAYLOAD,
  MIN_PAYLOAD,
  type CodecBackend,
  type FrameDecoder,
  type FrameInit,
} from './types.js';

export * from './types.js';
export { CodecError, type CodecErrorCode } from './errors.js';

const addonBackend: CodecBackend | undefined = addonLoad.ok
  ? createAddonBackend(addonLoad.addon)
  : undefined;

/** The backend in use: the addon when it loaded, else the TypeScript fallback. */
export const backend: CodecBackend = addonBackend ?? typescriptBackend;

/** Why the addon is not in use (undefined when it is). */
export const addonUnavailableReason: string | undefined = addonLoad.ok
  ? undefined
  : addonLoad.reason;

/**
 * Every backend usable in this process: the addon (when it loaded) and the TypeScript fallback.
 * Tests run the same cases against each.
 */
export function availableBackends(): CodecBackend[] {
  return addonBackend ? [addonBackend, typescriptBackend] : [typescriptBackend];
}

function checkBytes(value: unknown, label: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${label} must be a Uint8Array`);
  }
}

function checkUint(value: unknown, bits: 16 | 32, label: string): asserts value is number {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${label} must be an integer in 0..${max}`);
  }
}

/**
 * CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
 *
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode('123456789')) === 0xe3069283;
 * ```
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  checkBytes(data, 'data');
  checkUint(crc, 32, 'crc');
  return backend.crc32c(data, crc);
}

/**
 * CRC-16 as ATECC508A/608 secure elements compute it (sent little-endian after the data).
 *
 * @example
 * ```ts
 * crc16Atecc(new TextEncoder().encode('123456789')) === 0xbcdd;
 * ```
 */
export function crc16Atecc(data: Uint8Array, crc = 0): number {
  checkBytes(data, 'data');
  checkUint(crc, 16, 'crc');
  return backend.crc16Atecc(data, crc);
}

function normalise(frame: FrameInit): Required<FrameInit> {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('frame must be an object');
  const { kind, requestId, command, status = 0, fragIndex = 0, more = false } = frame;
  const payload = frame.payload ?? new Uint8Array(0);
  if (kind !== 0 && kind !== 1 && kind !== 2) throw new RangeError('kind must be 0, 1 or 2');
  checkUint(requestId, 32, 'requestId');
  checkUint(command, 16, 'command');
  checkUint(status, 16, 'status');
  checkUint(fragIndex, 16, 'fragIndex');
  if (typeof more !== 'boolean') throw new TypeError('more must be a boolean');
  checkBytes(payload, 'payload');
  if (payload.length > MAX_PAYLOAD) {
    throw new RangeError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  return { kind, requestId, command, status, fragIndex, more, payload };
}

/**
 * Encodes one frame.
 *
 * @example
 * ```ts
 * const bytes = encodeFrame({ kind: FrameKind.Request, requestId: 1, command: 0x0001 });
 * ```
 */
export function encodeFrame(frame: FrameInit): Uint8Array {
  const f = normalise(frame);
  const out = new Uint8Array(f.payload.length + FRAME_OVERHEAD);
  backend.encodeFrameInto(f, out, 0);
  return out;
}

/**
 * Encodes one frame into `out` at `offset`; returns the number of bytes written.
 *
 * @throws RangeError when `out` has no room for the frame.
 */
export function encodeFrameInto(frame: FrameInit, out: Uint8Array, offset = 0): number {
  const f = normalise(frame);
  checkBytes(out, 'out');
  if (
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset + f.payload.length + FRAME_OVERHEAD > out.length
  ) {
    throw new RangeError('out has no room for the frame at offset');
  }
  return backend.encodeFrameInto(f, out, offset);
}

/** Options of {@link createDecoder}. */
export interface DecoderOptions {
  /** Largest payload accepted per frame (MIN_PAYLOAD..MAX_PAYLOAD, default MAX_PAYLOAD). */
  maxPayload?: number;
}

/**
 * Creates a streaming decoder (docs/protocol.md section 4).
 *
 * @example
 * ```ts
 * const decoder = createDecoder();
 * socket.on('data', (chunk) => { for (const frame of decoder.push(chunk)) handle(frame); });
 * ```
 */
export function createDecoder(options: DecoderOptions = {}): FrameDecoder {
  const maxPayload = options.maxPayload ?? MAX_PAYLOAD;
  if (!Number.isInteger(maxPayload) || maxPayload < MIN_PAYLOAD || maxPayload > MAX_PAYLOAD) {
    throw new RangeError(`maxPayload must be an integer in ${MIN_PAYLOAD}..${MAX_PAYLOAD}`);
  }
  return checkedDecoder(backend.createDecoder(maxPayload));
}

function checkedDecoder(inner: FrameDecoder): FrameDecoder {
  return {
    push(chunk: Uint8Array) {
      checkBytes(chunk, 'chunk');
      return inner.push(chunk);
    },
    reset: () => {
      inner.reset();
    },
    get pending() {
      return inner.pending;
    },
    get stats() {
      return inner.stats;
    },
  };
}
