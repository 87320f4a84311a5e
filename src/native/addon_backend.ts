/**
 * The native backend: the C core through the N-API addon, with batch calls so many frames cross
 * the JS/native boundary at once.
 */
import type { AddonExports, NativeDecoder } from './addon_loader.js';
import type {
  CodecBackend,
  DecoderStats,
  Frame,
  FrameDecoder,
  FrameInit,
  FrameKind,
} from './types.js';

/** Fields per record in the descriptor arrays (native/addon/frame_binding.cc). */
const REC = 8;
const RECORDS_PER_CALL = 1024;
const EMPTY = new Uint8Array(0);

class AddonDecoder implements FrameDecoder {
  readonly #native: NativeDecoder;
  readonly #records = new Uint32Array(RECORDS_PER_CALL * REC);
  readonly #meta = new Uint32Array(4);
  readonly #statsOut = new Float64Array(6);
  readonly #spill: Uint8Array;

  constructor(addon: AddonExports, maxPayload: number) {
    this.#native = new addon.NativeDecoder(maxPayload);
    this.#spill = new Uint8Array(maxPayload * 2);
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    const records = this.#records;
    const meta = this.#meta;
    let offset = 0;
    for (;;) {
      const spill = this.#spill;
      const count = this.#native.decode(chunk, offset, records, spill, meta);
      for (let i = 0; i < count; i++) {
        const r = i * REC;
        const flags = records[r] as number;
        const start = records[r + 5] as number;
        const length = records[r + 6] as number;
        frames.push({
          kind: (flags & 0xff) as FrameKind,
          more: (flags & 0x100) !== 0,
          requestId: records[r + 1] as number,
          command: records[r + 2] as number,
          status: records[r + 3] as number,
          fragIndex: records[r + 4] as number,
          // Frames completed in the decoder's own buffer come through the reused spill area:
          // copy those (rare) so a payload never aliases memory that is written again.
          payload:
            length === 0
              ? EMPTY
              : flags & 0x10000
                ? spill.slice(start, start + length)
                : chunk.subarray(start, start + length),
        });
      }
      offset = meta[1] as number;
      if (meta[3] === 1) break; // the decoder wants more input
    }
    return frames;
  }

  reset(): void {
    this.#native.reset();
  }

  get pending(): number {
    return this.#native.pending();
  }

  get stats(): DecoderStats {
    const s = this.#statsOut;
    this.#native.stats(s);
    return {
      frames: s[0] as number,
      garbageBytes: s[1] as number,
      headerErrors: s[2] as number,
      versionErrors: s[3] as number,
      oversizeErrors: s[4] as number,
      crcErrors: s[5] as number,
    };
  }
}

/** Builds the addon-backed {@link CodecBackend}. */
export function createAddonBackend(addon: AddonExports): CodecBackend {
  const record = new Uint32Array(REC);
  return {
    name: 'addon',
    crc32c: (data, crc) => addon.crc32c(data, crc),
    crc16Atecc: (data, crc) => addon.crc16Atecc(data, crc),
    encodeFrameInto(frame: Required<FrameInit>, out: Uint8Array, offset: number): number {
      record[0] = frame.kind | (frame.more ? 0x100 : 0);
      record[1] = frame.requestId;
      record[2] = frame.command;
      record[3] = frame.status;
      record[4] = frame.fragIndex;
      record[5] = 0;
      record[6] = frame.payload.length;
      return addon.encodeBatch(out, offset, record, 1, frame.payload) - offset;
    },
    createDecoder: (maxPayload) => new AddonDecoder(addon, maxPayload),
  };
}
