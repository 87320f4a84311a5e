/**
 * PEM and DER: reading either (with the PEM label checked, so a certificate given where a CSR is
 * expected fails clearly) and writing either.
 *
 * @packageDocumentation
 */
import { X509Error } from './errors.js';

/** The output formats. */
export type Encoding = 'pem' | 'der';

/** What the library's CSR and certificate objects have in common. */
export interface Encodable {
  readonly rawData: ArrayBuffer;
  toString(format: 'pem'): string;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END \1-----/;

/**
 * The DER bytes of a PEM (first block) or DER input, checking that a PEM block's label is one of
 * `labels`.
 *
 * @example
 * ```ts
 * const der = decodePemOrDer(await readFile('device.csr'), ['CERTIFICATE REQUEST'], 'a CSR');
 * ```
 */
export function decodePemOrDer(
  input: string | Uint8Array | ArrayBuffer,
  labels: readonly string[],
  what: string,
): ArrayBuffer {
  const bytes =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input instanceof ArrayBuffer ? new Uint8Array(input) : input);
  const text = bytes.subarray(0, 8192).toString('latin1');
  if (typeof input === 'string' || /^\s*-----BEGIN /.test(text)) {
    const match = PEM.exec(bytes.toString('latin1'));
    if (!match) throw new X509Error('ERR_X509_PARSE', `not ${what}: no PEM block found`);
    const label = match[1] ?? '';
    if (!labels.includes(label)) {
      throw new X509Error('ERR_X509_PARSE', `not ${what}: the PEM block is a ${label}`);
    }
    return toArrayBuffer(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64'));
  }
  if (bytes[0] !== 0x30) throw new X509Error('ERR_X509_PARSE', `not ${what}: neither PEM nor DER`);
  return toArrayBuffer(bytes);
}

/**
 * A CSR or certificate as PEM text or DER bytes.
 *
 * @example
 * ```ts
 * await writeFile('device.csr', encode(csr, 'pem'));
 * ```
 */
export function encode(item: Encodable, encoding: 'pem'): string;
export function encode(item: Encodable, encoding: 'der'): Uint8Array;
export function encode(item: Encodable, encoding: Encoding): string | Uint8Array;
export function encode(item: Encodable, encoding: Encoding): string | Uint8Array {
  return encoding === 'pem'
    ? `${item.toString('pem').trimEnd()}\n`
    : new Uint8Array(item.rawData.slice(0));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}
