/**
 * Types shared by the codec backends (native addon and TypeScript fallback).
 *
 * @packageDocumentation
 */

/** Frame kinds (docs/protocol.md, section 2). */
export const FrameKind = { Request: 0, Response: 1, Event: 2 } as const;
/** One of the {@link FrameKind} values. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Fixed sizes of the frame format. */
export const FRAME_HEADER_SIZE = 20;
/** Bytes a frame adds to its payload (header + CRC trailer). */
export const FRAME_OVERHEAD = 24;
/** Largest payload one frame can carry. */
export const MAX_PAYLOAD = 65536;
/** Smallest `max_payload` a link may agree on. */
export const MIN_PAYLOAD = 256;

/** Fields of a frame to encode. Numbers are range-checked by the facade. */
export interface FrameInit {
  kind: FrameKind;
  requestId: number;
  command: number;
  /** Status code (responses); 0 when omitted. */
  status?: number;
  /** Index of this fragment in its message; 0 when omitted. */
  fragIndex?: number;
  /** True when more fragments of this message follow. */
  more?: boolean;
  payload?: Uint8Array;
}

/** A decoded frame. */
export interface Frame {
  kind: FrameKind;
  more: boolean;
  requestId: number;
  command: number;
  status: number;
  fragIndex: number;
  /**
   * The payload: a view into the chunk passed to {@link FrameDecoder.push} when the whole frame
   * lies inside that chunk, otherwise a fresh copy. It never aliases memory the decoder reuses.
   */
  payload: Uint8Array;
}

/** Error counters of a decoder (docs/protocol.md, section 4). */
export interface DecoderStats {
  frames: number;
  garbageBytes: number;
  headerErrors: number;
  versionErrors: number;
  oversizeErrors: number;
  crcErrors: number;
}

/** A streaming frame decoder: feed chunks of any size, get complete frames. */
export interface FrameDecoder {
  /** Decodes a chunk; returns the frames it completes, in stream order. */
  push(chunk: Uint8Array): Frame[];
  /** Drops the pending partial frame (counted as garbage); keeps the counters. */
  reset(): void;
  /** Bytes held as a partial frame. */
  readonly pending: number;
  /** A snapshot of the error counters. */
  readonly stats: DecoderStats;
}

/** What each backend provides. Inputs are validated by the facade before they get here. */
export interface CodecBackend {
  readonly name: 'addon' | 'typescript';
  crc32c(data: Uint8Array, crc: number): number;
  crc16Atecc(data: Uint8Array, crc: number): number;
  /** Writes one frame at `out[offset]` (space already checked); returns the bytes written. */
  encodeFrameInto(frame: Required<FrameInit>, out: Uint8Array, offset: number): number;
  createDecoder(maxPayload: number): FrameDecoder;
}
