/**
 * PKCS#11 URIs (RFC 7512) for HSM slots, as the engine reads them.
 *
 * @packageDocumentation
 */
import { TlsError } from './errors.js';

/** The CKA_ID of a slot's key objects: the slot number as 4 big-endian bytes (docs/pkcs11.md). */
export function slotKeyId(slot: number): Uint8Array {
  if (!Number.isInteger(slot) || slot < 0 || slot > 0x7fffffff) {
    throw new TlsError('ERR_TLS_KEY', `a slot is an integer from 0 to 2^31-1, not ${String(slot)}`);
  }
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, slot);
  return id;
}

const pct = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Percent-encodes a text attribute value (RFC 3986 unreserved characters stay). */
const pctText = (text: string): string =>
  Array.from(new TextEncoder().encode(text), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`;
  }).join('');

/**
 * The URI of a slot's private key, or `uri` itself when given one; `pin` is added as `pin-value`
 * unless the URI already has one.
 *
 * @example
 * ```ts
 * keyUri(16, '1234'); // 'pkcs11:id=%00%00%00%10;type=private?pin-value=1234'
 * ```
 */
export function keyUri(key: number | string, pin?: string): string {
  let uri: string;
  if (typeof key === 'number') uri = `pkcs11:id=${pct(slotKeyId(key))};type=private`;
  else if (key.startsWith('pkcs11:')) uri = key;
  else throw new TlsError('ERR_TLS_KEY', `a key is a slot number or a pkcs11: URI, not "${key}"`);
  if (pin === undefined || /[?&]pin-value=/.test(uri)) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}pin-value=${pctText(pin)}`;
}
