/**
 * Certificate signing requests (PKCS#10) for device keys: made with `@peculiar/x509`, signed by
 * the key's slot through zkbridge's WebCrypto, verified through the same object (which also
 * knows K-256 public keys, unlike Node's WebCrypto).
 *
 * @packageDocumentation
 */
import { decodePemOrDer } from './encoding.js';
import { X509Error, messageOf } from './errors.js';
import {
  describeExtensions,
  profileExtensions,
  type Profile,
  type ProfileInfo,
} from './extensions.js';
import {
  isDeviceCrypto,
  keyName,
  resolveKeyPair,
  signingAlgorithm,
  type CryptoLike,
  type KeyInput,
} from './keys.js';
import { subjectName, type SubjectInput } from './names.js';
import { x509 } from './peculiar.js';

/** What to put in a CSR. */
export interface CsrOptions extends Profile {
  /** A device slot number, or a key pair (device or software). */
  key: KeyInput;
  /** `CN=device-1, O=Acme` or `{ CN: 'device-1', O: 'Acme' }`. */
  subject: SubjectInput;
}

/** The readable content of a CSR. */
export interface CsrInfo extends ProfileInfo {
  subject: string;
  /** `P-256`, `K-256`, `Ed25519`, ... */
  key: string;
}

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

/**
 * Makes a CSR signed by `options.key`. Subject, SANs and usages are validated before the device
 * is asked for anything.
 *
 * @example
 * ```ts
 * const crypto = await createCrypto();
 * const csr = await createCsr(crypto, {
 *   key: 3,
 *   subject: 'CN=device-1, O=Acme',
 *   san: ['dns:device-1.example.com', 'uri:spiffe://example.org/device/1'],
 *   keyUsage: ['digitalSignature'],
 *   extendedKeyUsage: ['clientAuth'],
 * });
 * await writeFile('device.csr', encode(csr, 'pem'));
 * ```
 */
export async function createCsr(
  crypto: CryptoLike,
  options: CsrOptions,
): Promise<x509.Pkcs10CertificateRequest> {
  const name = subjectName(options.subject);
  const extensions = profileExtensions(options);
  const keys = await resolveKeyPair(crypto, options.key);
  const algorithm = signingAlgorithm(keys.privateKey);
  return x509.Pkcs10CertificateRequestGenerator.create(
    {
      name,
      keys,
      signingAlgorithm: algorithm,
      ...(extensions.length > 0 ? { extensions } : {}),
    },
    crypto,
  );
}

/**
 * Reads a CSR from PEM text, or from PEM or DER bytes (a file's content).
 *
 * @example
 * ```ts
 * const csr = parseCsr(await readFile('device.csr'));
 * ```
 */
export function parseCsr(
  input: string | Uint8Array | ArrayBuffer | x509.Pkcs10CertificateRequest,
): x509.Pkcs10CertificateRequest {
  if (input instanceof x509.Pkcs10CertificateRequest) return input;
  const der = decodePemOrDer(input, CSR_LABELS, 'a CSR');
  try {
    const csr = new x509.Pkcs10CertificateRequest(der);
    // The library parses lazily: read what issuing reads, so a bad CSR fails here.
    describeCsr(csr);
    return csr;
  } catch (error) {
    throw new X509Error('ERR_X509_PARSE', `not a CSR: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * True when the CSR is signed by the key it carries. K-256 needs zkbridge's Crypto (Node's
 * WebCrypto cannot import secp256k1 keys); a signature that cannot be checked at all is an
 * {@link X509Error} `ERR_CSR_SIGNATURE`.
 *
 * @example
 * ```ts
 * if (!(await verifyCsr(crypto, csr))) throw new Error('bad CSR');
 * ```
 */
export async function verifyCsr(
  crypto: CryptoLike,
  csr: x509.Pkcs10CertificateRequest,
): Promise<boolean> {
  const key = keyName(csr.publicKey.algorithm);
  if (key === 'K-256' && !isDeviceCrypto(crypto)) {
    throw new X509Error(
      'ERR_UNSUPPORTED_KEY',
      "checking a K-256 signature needs zkbridge's Crypto: Node's WebCrypto has no secp256k1",
    );
  }
  try {
    return await csr.verify(crypto);
  } catch (error) {
    throw new X509Error(
      'ERR_CSR_SIGNATURE',
      `the CSR's ${key} signature cannot be checked: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/**
 * Subject, key and requested extensions of a CSR.
 *
 * @example
 * ```ts
 * describeCsr(csr).san; // [{ type: 'dns', value: 'device-1.example.com' }, ...]
 * ```
 */
export function describeCsr(csr: x509.Pkcs10CertificateRequest): CsrInfo {
  return {
    subject: csr.subject,
    key: keyName(csr.publicKey.algorithm),
    ...describeExtensions(csr.extensions),
  };
}
