/**
 * ES256K (RFC 8812: ECDSA on secp256k1 with SHA-256) compact JWS and JWT, which jose 6 no longer
 * supports. Signing and verification go through a zkbridge `SubtleCrypto`, so the private key
 * can be a device slot (`{ name: 'ECDSA', namedCurve: 'K-256' }`).
 *
 * Signatures are JOSE's R||S (64 bytes). s is normalised to the low half of the group order, so
 * verifiers that insist on low S (as Bitcoin- and Ethereum-derived code does) accept them; the
 * verifier here accepts either.
 *
 * @packageDocumentation
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { CryptoKey } from './crypto_key.js';
import type { SubtleCrypto } from './subtle.js';

const ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const N = secp256k1.Point.Fn.ORDER;

/** Options of {@link verifyES256KJwt}. */
export interface VerifyOptions {
  /** Seconds of clock skew allowed for `exp` and `nbf` (default 0). */
  clockTolerance?: number;
  /** Current time in seconds (default now). */
  currentDate?: Date;
}

/** A verified JWT: its protected header and claims. */
export interface VerifiedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const json = (value: unknown): string => b64u(new TextEncoder().encode(JSON.stringify(value)));

function lowS(signature: Uint8Array): Uint8Array {
  const s = BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex'));
  if (s <= N >> 1n) return signature;
  const out = signature.slice();
  out.set(secp256k1.Point.Fn.toBytes(N - s), 32);
  return out;
}

/**
 * Signs `payload` as an ES256K JWS in compact form.
 *
 * @example
 * ```ts
 * const { privateKey } = await crypto.subtle.generateKey(
 *   { name: 'ECDSA', namedCurve: 'K-256' }, false, ['sign', 'verify']);
 * const jws = await signES256K(crypto.subtle, privateKey, { sub: 'device-1' }, { kid: 'k1' });
 * ```
 */
export async function signES256K(
  subtle: SubtleCrypto,
  privateKey: CryptoKey,
  payload: Record<string, unknown> | Uint8Array,
  header: Record<string, unknown> = {},
): Promise<string> {
  const protectedHeader = { ...header, alg: 'ES256K' };
  const body = payload instanceof Uint8Array ? b64u(payload) : json(payload);
  const input = `${json(protectedHeader)}.${body}`;
  const signature = new Uint8Array(
    await subtle.sign(ALGORITHM, privateKey, new TextEncoder().encode(input)),
  );
  return `${input}.${b64u(lowS(signature))}`;
}

/** Signs JWT claims (`iat` added when absent) as ES256K. */
export function signES256KJwt(
  subtle: SubtleCrypto,
  privateKey: CryptoKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signES256K(subtle, privateKey, { iat, ...claims }, { typ: 'JWT', ...header });
}

/**
 * Verifies an ES256K compact JWT with a K-256 public key (a device key, a foreign slot, or one
 * imported with `importKey(..., { name: 'ECDSA', namedCurve: 'K-256' }, ...)`), then checks
 * `exp` and `nbf`.
 *
 * @throws Error with a clear message when the token is malformed, not ES256K, has a bad
 *   signature, or is expired or not yet valid.
 */
export async function verifyES256KJwt(
  subtle: SubtleCrypto,
  publicKey: CryptoKey,
  token: string,
  options: VerifyOptions = {},
): Promise<VerifiedJwt> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('ES256K: a compact JWS has three parts');
  const [h = '', p = '', s = ''] = parts;
  const decode = (part: string, what: string): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // fall through
    }
    throw new Error(`ES256K: the ${what} is not a JSON object`);
  };
  const header = decode(h, 'header');
  if (header['alg'] !== 'ES256K') throw new Error(`ES256K: alg is ${String(header['alg'])}`);
  const signature = Buffer.from(s, 'base64url');
  const input = new TextEncoder().encode(`${h}.${p}`);
  if (!(await subtle.verify(ALGORITHM, publicKey, signature, input))) {
    throw new Error('ES256K: signature verification failed');
  }
  const payload = decode(p, 'payload');
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  const tolerance = options.clockTolerance ?? 0;
  const exp = payload['exp'];
  if (typeof exp === 'number' && now - tolerance >= exp) throw new Error('ES256K: the JWT expired');
  const nbf = payload['nbf'];
  if (typeof nbf === 'number' && now + tolerance < nbf) {
    throw new Error('ES256K: the JWT is not yet valid');
  }
  return { header, payload };
}
