/**
 * PIN verifiers of the token: a PIN is never stored, only scrypt of it (N = 2^14, r = 8, p = 1,
 * 32-byte output) with a random 16-byte salt. Checking recomputes the hash off the event loop
 * (node:crypto's libuv thread pool) and compares in constant time.
 *
 * Verifier bytes: version u8 (1), salt (16 bytes), hash (32 bytes).
 *
 * @packageDocumentation
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Shortest and longest PIN in bytes (any bytes). */
export const PIN_MIN_BYTES = 4;
export const PIN_MAX_BYTES = 64;

const VERSION = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Length of a verifier. */
export const VERIFIER_BYTES = 1 + SALT_BYTES + HASH_BYTES;
const PARAMS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** True when `pin` has an allowed length (ERR_PIN_LEN_RANGE otherwise). */
export function pinLengthOk(pin: Uint8Array): boolean {
  return pin.length >= PIN_MIN_BYTES && pin.length <= PIN_MAX_BYTES;
}

function hash(pin: Uint8Array, salt: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, HASH_BYTES, PARAMS, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * A new verifier for `pin`, with a fresh random salt.
 *
 * @example
 * ```ts
 * const verifier = await makePinVerifier(new TextEncoder().encode('123456'));
 * await checkPin(verifier, new TextEncoder().encode('123456')); // true
 * ```
 */
export async function makePinVerifier(pin: Uint8Array): Promise<Uint8Array> {
  const salt = randomBytes(SALT_BYTES);
  const out = new Uint8Array(VERIFIER_BYTES);
  out[0] = VERSION;
  out.set(salt, 1);
  out.set(await hash(pin, salt), 1 + SALT_BYTES);
  return out;
}

/**
 * Whether `pin` matches `verifier`. A verifier of another format or length never matches (the
 * hash is computed all the same, so the answer takes as long).
 */
export async function checkPin(verifier: Uint8Array, pin: Uint8Array): Promise<boolean> {
  const wellFormed = verifier.length === VERIFIER_BYTES && verifier[0] === VERSION;
  const salt = wellFormed ? verifier.subarray(1, 1 + SALT_BYTES) : new Uint8Array(SALT_BYTES);
  const expected = wellFormed ? verifier.subarray(1 + SALT_BYTES) : new Uint8Array(HASH_BYTES);
  const actual = await hash(pin, salt);
  return timingSafeEqual(actual, expected) && wellFormed;
}
