/**
 * X.509 for device keys: certificate signing requests, self-signed certificates and a small CA,
 * built with `@peculiar/x509` and signed by device slots through zkbridge's WebCrypto. The
 * crypto object is passed to every call: nothing global is configured.
 *
 * @example
 * ```ts
 * import { createCrypto } from 'zkbridge/webcrypto';
 * import { createCsr, encode } from 'zkbridge/x509';
 *
 * const crypto = await createCrypto();
 * const csr = await createCsr(crypto, { key: 3, subject: 'CN=device-1, O=Acme', san: ['dns:d1.example.com'] });
 * console.log(encode(csr, 'pem'));
 * await crypto.close();
 * ```
 *
 * @packageDocumentation
 */
export { x509 } from './peculiar.js';
export { X509Error, type X509ErrorCode } from './errors.js';
export { encode, decodePemOrDer, type Encoding, type Encodable } from './encoding.js';
export {
  subjectName,
  parseSan,
  formatSan,
  sanExtension,
  type SubjectInput,
  type SanInput,
  type SanEntry,
  type SanType,
} from './names.js';
export {
  parseKeyUsage,
  parseExtendedKeyUsage,
  profileExtensions,
  keyUsageExtension,
  describeExtensions,
  type KeyUsageName,
  type ExtendedKeyUsageName,
  type Oid,
  type Profile,
  type ProfileInfo,
} from './extensions.js';
export {
  importPrivateKey,
  signingAlgorithm,
  keyName,
  type CryptoLike,
  type AnyKey,
  type KeyPair,
  type KeyInput,
  type SigningAlgorithm,
} from './keys.js';
export {
  createCsr,
  parseCsr,
  verifyCsr,
  describeCsr,
  type CsrOptions,
  type CsrInfo,
} from './csr.js';
export {
  createSelfSigned,
  issueCertificate,
  parseCertificate,
  verifyCertificate,
  describeCertificate,
  randomSerialNumber,
  type SelfSignedOptions,
  type IssueOptions,
  type ValidityOptions,
  type CaOptions,
  type CertificateInfo,
} from './certificates.js';
