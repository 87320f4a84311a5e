/**
 * Data lock and unlock (LOCK_DATA, UNLOCK_DATA): authenticated encryption with a signature
 * trailer, in the emulator's own format (the vendor's format is undocumented).
 *
 * ## Locked-data format, version 1
 *
 * All offsets in bytes; n = plaintext length; total length n + 98.
 *
 * | Offset | Size | Field |
 * |---|---|---|
 * | 0 | 4 | magic: ASCII "ZKBL" (5A 4B 42 4C) |
 * | 4 | 1 | format version: 0x01 |
 * | 5 | 1 | key kind: 0x00 = device one-way key (Python "zymkey"), 0x01 = shared key (Python "cloud") |
 * | 6 | 12 | nonce: 12 random bytes, fresh for every lock |
 * | 18 | n | AES-256-GCM ciphertext of the plaintext |
 * | 18+n | 16 | AES-256-GCM tag (128 bits) |
 * | 34+n | 64 | signature: ECDSA P-256, r\|\|s (32 bytes each, big-endian), over SHA-256 of bytes 0 to 33+n |
 *
 * - Encryption key: HKDF-SHA-256 (RFC 5869) with IKM = the 32-byte device secret (kind 0) or
 *   shared secret (kind 1), an empty salt (that is, 32 zero bytes), info = the ASCII label
 *   "zkbridge/lock/v1/device" (kind 0) or "zkbridge/lock/v1/shared" (kind 1), L = 32.
 * - GCM: 96-bit IV = the nonce; additional authenticated data = bytes 0 to 17 (magic, version,
 *   kind, nonce), so the header is authenticated by the tag as well as by the signature.
 * - Signature: made with the device signing key (a P-256 private key), deterministic nonce (RFC
 *   6979) and low S (s <= n/2). Unlock accepts only low-S signatures, so a locked blob cannot be
 *   altered into another valid encoding.
 *
 * Unlock checks, in order: length >= 98, magic, version and a known kind byte (else `malformed`);
 * the signature with the public key of the device signing key (else `signature`); the kind byte
 * against the key asked for (else `key_kind`); the GCM tag (else `tag`). Only then is the
 * plaintext released. Both kinds are signed by the device key, so data locked with the shared key
 * on another device (other signing key) does not unlock here either.
 *
 * Random 96-bit nonces keep the collision risk negligible below 2^32 locks per key (NIST SP
 * 800-38D section 8.3). AES-GCM itself caps one message at 2^36 - 32 bytes; device size policy
 * (ERR_DATA_TOO_LARGE) belongs to the caller.
 *
 * @packageDocumentation
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyType } from '../../protocol/constants.generated.js';
import { CryptoOpError } from './errors.js';
import type { RandomSource } from './keys.js';
import { assertPrivateKey, publicKeyFromPrivate, systemRandom } from './keys.js';

/** The device secrets lock and unlock use. */
export interface LockSecrets {
  /** 32-byte secret of the device's one-way key (never leaves the device). */
  readonly deviceSecret: Uint8Array;
  /** 32-byte secret of the shared ("cloud") key. */
  readonly sharedSecret: Uint8Array;
  /** 32-byte P-256 private key that signs the trailer. */
  readonly signingKey: Uint8Array;
}

/** Why {@link unlockData} refused a blob. */
export type UnlockFailure = 'malformed' | 'signature' | 'key_kind' | 'tag';

/**
 * Result of {@link unlockData}. `reason` lets a caller answer ERR_CIPHERTEXT_MALFORMED for
 * `malformed` if it wants to; every failure is otherwise OK with valid false.
 */
export type UnlockResult =
  | { readonly valid: true; readonly plaintext: Uint8Array }
  | { readonly valid: false; readonly plaintext: Uint8Array; readonly reason: UnlockFailure };

/** Magic bytes at the start of every locked blob: ASCII "ZKBL". */
export const LOCK_MAGIC: Uint8Array = Uint8Array.of(0x5a, 0x4b, 0x42, 0x4c);
/** Format version byte. */
export const LOCK_VERSION = 0x01;
/** Kind byte for the device one-way key. */
export const LOCK_KIND_DEVICE = 0x00;
/** Kind byte for the shared key. */
export const LOCK_KIND_SHARED = 0x01;
/** Header length: magic, version, kind and nonce. */
export const LOCK_HEADER_LENGTH = 18;
/** Bytes a locked blob adds to its plaintext: header, GCM tag and signature. */
export const LOCK_OVERHEAD = 98;

const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const SIGNATURE_LENGTH = 64;
const LABELS = {
  [LOCK_KIND_DEVICE]: new TextEncoder().encode('zkbridge/lock/v1/device'),
  [LOCK_KIND_SHARED]: new TextEncoder().encode('zkbridge/lock/v1/shared'),
} as const;

/**
 * Locks `plaintext` (any length, including empty) in the format of the module notes.
 *
 * @param useSharedKey - false: the device one-way key; true: the shared key.
 * @param random - source of the nonce; node's CSPRNG by default.
 * @throws CryptoOpError ERR_INVALID_KEY when a secret is not 32 bytes or the signing key is not
 *   a valid P-256 private key; ERR_INVALID_ARG when `random` returns the wrong length.
 */
export function lockData(
  secrets: LockSecrets,
  useSharedKey: boolean,
  plaintext: Uint8Array,
  random: RandomSource = systemRandom,
): Uint8Array {
  const kind = useSharedKey ? LOCK_KIND_SHARED : LOCK_KIND_DEVICE;
  const key = encryptionKey(secrets, kind);
  assertPrivateKey(KeyType.P256, secrets.signingKey);
  const nonce = random(NONCE_LENGTH);
  if (nonce.length !== NONCE_LENGTH) {
    throw new CryptoOpError('ERR_INVALID_ARG', 'random source returned the wrong length');
  }
  const n = plaintext.length;
  const out = new Uint8Array(n + LOCK_OVERHEAD);
  out.set(LOCK_MAGIC, 0);
  out[4] = LOCK_VERSION;
  out[5] = kind;
  out.set(nonce, 6);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(out.subarray(0, LOCK_HEADER_LENGTH));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  out.set(body, LOCK_HEADER_LENGTH);
  out.set(final, LOCK_HEADER_LENGTH + body.length);
  out.set(cipher.getAuthTag(), LOCK_HEADER_LENGTH + n);
  const signed = out.subarray(0, out.length - SIGNATURE_LENGTH);
  const signature = p256.sign(sha256Of(signed), secrets.signingKey, {
    prehash: false,
    lowS: true,
  });
  out.set(signature, out.length - SIGNATURE_LENGTH);
  return out;
}

/**
 * Unlocks a blob made by {@link lockData} with the same secrets and key kind. Altered, truncated
 * or foreign data gives `valid: false` with an empty plaintext, never an exception.
 *
 * @throws CryptoOpError ERR_INVALID_KEY only for invalid `secrets` (a device fault).
 */
export function unlockData(
  secrets: LockSecrets,
  useSharedKey: boolean,
  blob: Uint8Array,
): UnlockResult {
  const wantedKind = useSharedKey ? LOCK_KIND_SHARED : LOCK_KIND_DEVICE;
  const key = encryptionKey(secrets, wantedKind);
  const publicKey = publicKeyFromPrivate(KeyType.P256, secrets.signingKey);
  if (blob.length < LOCK_OVERHEAD || !hasMagic(blob) || blob[4] !== LOCK_VERSION) {
    return refuse('malformed');
  }
  const kind = blob[5];
  if (kind !== LOCK_KIND_DEVICE && kind !== LOCK_KIND_SHARED) return refuse('malformed');
  const signedLength = blob.length - SIGNATURE_LENGTH;
  const signature = blob.subarray(signedLength);
  let signatureOk: boolean;
  try {
    signatureOk = p256.verify(
      signature,
      sha256Of(blob.subarray(0, signedLength)),
      Uint8Array.of(0x04, ...publicKey),
      { prehash: false, lowS: true },
    );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return refuse('signature');
  if (kind !== wantedKind) return refuse('key_kind');
  const tagStart = signedLength - TAG_LENGTH;
  const nonce = blob.subarray(6, LOCK_HEADER_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(blob.subarray(0, LOCK_HEADER_LENGTH));
  decipher.setAuthTag(blob.subarray(tagStart, signedLength));
  const body = decipher.update(blob.subarray(LOCK_HEADER_LENGTH, tagStart));
  try {
    const final = decipher.final();
    const plaintext = new Uint8Array(body.length + final.length);
    plaintext.set(body, 0);
    plaintext.set(final, body.length);
    return { valid: true, plaintext };
  } catch {
    body.fill(0);
    return refuse('tag');
  }
}

/** The AES-256 key for `kind`, after checking the secret's size. */
function encryptionKey(secrets: LockSecrets, kind: keyof typeof LABELS): Uint8Array {
  const secret = kind === LOCK_KIND_SHARED ? secrets.sharedSecret : secrets.deviceSecret;
  if (secret.length !== 32) {
    throw new CryptoOpError('ERR_INVALID_KEY', 'lock secrets must be 32 bytes');
  }
  return hkdf(sha256, secret, undefined, LABELS[kind], 32);
}

function hasMagic(blob: Uint8Array): boolean {
  return LOCK_MAGIC.every((b, i) => blob[i] === b);
}

/** SHA-256 with node's native hash, which keeps multi-megabyte blobs fast. */
function sha256Of(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function refuse(reason: UnlockFailure): UnlockResult {
  return { valid: false, plaintext: new Uint8Array(0), reason };
}
