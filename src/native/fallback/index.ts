/**
 * The pure-TypeScript codec backend: used when the native addon cannot be loaded (or is not
 * wanted), and the reference implementation in the property tests.
 *
 * @packageDocumentation
 */

import type { CodecBackend } from '../types.js';
import { crc16Atecc } from './crc16_atecc.js';
import { crc32c } from './crc32c.js';
import { TsFrameDecoder } from './frame_decoder.js';
import { encodeFrameInto } from './frame_encoder.js';

/**
 * Codec backend written in TypeScript only.
 *
 * @example
 * ```ts
 * typescriptBackend.crc32c(new TextEncoder().encode('123456789'), 0); // 0xe3069283
 * const decoder = typescriptBackend.createDecoder(65536);
 * ```
 */
export const typescriptBackend: CodecBackend = {
  name: 'typescript',
  crc32c,
  crc16Atecc,
  encodeFrameInto,
  createDecoder: (maxPayload: number) => new TsFrameDecoder(maxPayload),
};
