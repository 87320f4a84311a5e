/**
 * Certificates: self-signed ones (a device's own, or a CA's root) and a small CA that issues a
 * certificate for a CSR with a CA key held by the device or by Node's WebCrypto. The CSR's
 * signature is checked before anything is signed.
 *
 * @packageDocumentation
 */
import { parseCsr, verifyCsr } from './csr.js';
import { decodePemOrDer } from './encoding.js';
import { X509Error, messageOf } from './errors.js';
import {
  describeExtensions,
  findExtension,
  profileExtensions,
  type KeyUsageName,
  type Profile,
  type ProfileInfo,
} from './extensions.js';
import {
  keyName,
  resolveKeyPair,
  signingAlgorithm,
  type AnyKey,
  type CryptoLike,
  type KeyInput,
} from './keys.js';
import { subjectName, type SubjectInput } from './names.js';
import { x509 } from './peculiar.js';

/** When a certificate is valid, and its serial number. */
export interface ValidityOptions {
  /** Days from `notBefore`; default 365, or 3650 for a CA certificate. */
  days?: number | undefined;
  /** Default: now (whole seconds). */
  notBefore?: Date | undefined;
  /** Instead of `days`. */
  notAfter?: Date | undefined;
  /** Hexadecimal; default 16 random bytes (positive). */
  serialNumber?: string | undefined;
}

/** Makes a CA certificate (basicConstraints CA:TRUE) instead of an end-entity one. */
export interface CaOptions {
  ca?: boolean | undefined;
  /** basicConstraints pathLenConstraint of a CA certificate. */
  pathLength?: number | undefined;
}

/** Options of {@link createSelfSigned}. */
export interface SelfSignedOptions extends Profile, ValidityOptions, CaOptions {
  /** A device slot number, or a key pair (device or software). */
  key: KeyInput;
  subject: SubjectInput;
}

/** Options of {@link issueCertificate}. SAN and usages given here replace the CSR's. */
export interface IssueOptions extends Profile, ValidityOptions, CaOptions {
  /** The request: parsed, or PEM/DER. Its signature must verify. */
  csr: x509.Pkcs10CertificateRequest | string | Uint8Array;
  /** The CA's private key: a device slot number, a device key or a Node WebCrypto key. */
  caKey: number | AnyKey;
  /** The CA's certificate (its subject becomes the issuer). */
  caCert: x509.X509Certificate | string | Uint8Array;
  /** Replaces the CSR's subject. */
  subject?: SubjectInput | undefined;
}

/** The readable content of a certificate. */
export interface CertificateInfo extends ProfileInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  key: string;
  ca: boolean;
}

const DAY_MS = 86_400_000;
const CA_USAGE: readonly KeyUsageName[] = ['keyCertSign', 'cRLSign', 'digitalSignature'];
const LEAF_USAGE: readonly KeyUsageName[] = ['digitalSignature'];
const SAN_OID = '2.5.29.17';
const KEY_USAGE_OID = '2.5.29.15';
const EKU_OID = '2.5.29.37';

/**
 * A random serial number: 16 bytes, positive, and 16 bytes long in DER (hexadecimal).
 *
 * @example
 * ```ts
 * randomSerialNumber(crypto); // '5f0c...' (32 hex digits)
 * ```
 */
export function randomSerialNumber(crypto: CryptoLike): string {
  const bytes = new Uint8Array(16);
  (crypto as { getRandomValues(a: Uint8Array): Uint8Array }).getRandomValues(bytes);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

function period(options: ValidityOptions & CaOptions): [Date, Date, string?] {
  const { days, notAfter } = options;
  const notBefore = options.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  if (Number.isNaN(notBefore.getTime())) throw new TypeError('notBefore is not a valid date');
  if (days !== undefined && notAfter !== undefined) {
    throw new TypeError('give days or notAfter, not both');
  }
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 36_500)) {
    throw new TypeError(`days must be a whole number from 1 to 36500 (got ${days})`);
  }
  const end =
    notAfter ??
    new Date(notBefore.getTime() + (days ?? (options.ca === true ? 3650 : 365)) * DAY_MS);
  if (!(end.getTime() > notBefore.getTime()))
    throw new TypeError('notAfter must be after notBefore');
  const serial = options.serialNumber;
  if (
    serial !== undefined &&
    (!/^[0-9a-fA-F]{1,40}$/.test(serial) || !/[1-9a-fA-F]/.test(serial))
  ) {
    throw new TypeError('serialNumber must be 1 to 40 hex digits, not all zero');
  }
  return serial === undefined ? [notBefore, end] : [notBefore, end, serial];
}

function basicConstraints(options: CaOptions): x509.BasicConstraintsExtension {
  const { ca, pathLength } = options;
  if (pathLength !== undefined) {
    if (ca !== true) throw new TypeError('pathLength applies to CA certificates only');
    if (!Number.isInteger(pathLength) || pathLength < 0) {
      throw new TypeError(`pathLength must be a non-negative integer (got ${pathLength})`);
    }
  }
  return new x509.BasicConstraintsExtension(ca === true, pathLength, true);
}

/** Our extensions, then the caller's extra ones (which replace ours of the same type). */
function merge(
  ours: x509.Extension[],
  extra: readonly x509.Extension[] | undefined,
): x509.Extension[] {
  const replaced = new Set((extra ?? []).map((e) => e.type));
  return [...ours.filter((e) => !replaced.has(e.type)), ...(extra ?? [])];
}

/**
 * A self-signed certificate for a key: a device's own certificate, or (with `ca: true`) the
 * root of a small CA whose key stays in the device.
 *
 * @example
 * ```ts
 * const ca = await createSelfSigned(crypto, { key: 2, subject: 'CN=Acme Device CA, O=Acme', ca: true });
 * await writeFile('ca.pem', encode(ca, 'pem'));
 * ```
 */
export async function createSelfSigned(
  crypto: CryptoLike,
  options: SelfSignedOptions,
): Promise<x509.X509Certificate> {
  const name = subjectName(options.subject);
  const [notBefore, notAfter, serial] = period(options);
  const constraints = basicConstraints(options);
  const keyUsage = options.keyUsage ?? (options.ca === true ? CA_USAGE : LEAF_USAGE);
  const profile = profileExtensions({ ...options, keyUsage, extensions: [] });
  const keys = await resolveKeyPair(crypto, options.key);
  const algorithm = signingAlgorithm(keys.privateKey);
  const publicKey = await x509.PublicKey.create(keys.publicKey, crypto);
  const keyId = Buffer.from(await publicKey.getKeyIdentifier(crypto)).toString('hex');
  const extensions = merge(
    [
      constraints,
      ...profile,
      new x509.SubjectKeyIdentifierExtension(keyId),
      new x509.AuthorityKeyIdentifierExtension(keyId),
    ],
    options.extensions,
  );
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: serial ?? randomSerialNumber(crypto),
      subject: name,
      issuer: name,
      notBefore,
      notAfter,
      publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: algorithm,
      extensions,
    },
    crypto,
  );
}

/**
 * Reads a certificate from PEM text (the first block), or from PEM or DER bytes.
 *
 * @example
 * ```ts
 * const ca = parseCertificate(await readFile('ca.pem'));
 * ```
 */
export function parseCertificate(
  input: string | Uint8Array | ArrayBuffer | x509.X509Certificate,
): x509.X509Certificate {
  if (input instanceof x509.X509Certificate) return input;
  const der = decodePemOrDer(input, ['CERTIFICATE', 'X509 CERTIFICATE'], 'a certificate');
  try {
    const cert = new x509.X509Certificate(der);
    // The library parses lazily: read it all, so a bad certificate fails here.
    describeCertificate(cert);
    return cert;
  } catch (error) {
    throw new X509Error('ERR_X509_PARSE', `not a certificate: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Refuses CA certificates that cannot issue this certificate. */
function checkIssuer(caCert: x509.X509Certificate, issuingCa: boolean): void {
  const who = `the CA certificate (${caCert.subject})`;
  const constraints = findExtension(caCert.extensions, x509.BasicConstraintsExtension);
  if (!constraints?.ca) {
    throw new X509Error('ERR_CA_CERT', `${who} is not a CA: it lacks basicConstraints CA:TRUE`);
  }
  const usage = findExtension(caCert.extensions, x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new X509Error(
      'ERR_CA_CERT',
      `${who} may not sign certificates: its key usage lacks keyCertSign`,
    );
  }
  if (caCert.notAfter.getTime() <= Date.now()) {
    throw new X509Error('ERR_CA_CERT', `${who} expired on ${caCert.notAfter.toISOString()}`);
  }
  if (issuingCa && constraints.pathLength === 0) {
    throw new X509Error('ERR_CA_CERT', `${who} has pathLength 0: it cannot issue CA certificates`);
  }
}

/**
 * Issues a certificate for a CSR. The CSR's signature is verified first (through `crypto`, so
 * K-256 requests need zkbridge's Crypto); the subject, SAN, key usage and extended key usage are
 * the CSR's unless given; key usage defaults to digitalSignature (CA: keyCertSign, cRLSign,
 * digitalSignature). The result is checked against the CA certificate's public key.
 *
 * @example
 * ```ts
 * const cert = await issueCertificate(crypto, {
 *   csr: await readFile('device.csr'),
 *   caKey: 2,                                   // or a Node WebCrypto private key
 *   caCert: await readFile('ca.pem'),
 *   days: 90,
 * });
 * ```
 */
export async function issueCertificate(
  crypto: CryptoLike,
  options: IssueOptions,
): Promise<x509.X509Certificate> {
  const csr = parseCsr(options.csr);
  const caCert = parseCertificate(options.caCert);
  const subject = options.subject === undefined ? csr.subjectName : subjectName(options.subject);
  const [notBefore, notAfter, serial] = period(options);
  const constraints = basicConstraints(options);
  const fromCsr = (oid: string): x509.Extension[] => csr.extensions.filter((e) => e.type === oid);
  const csrKeyUsage = fromCsr(KEY_USAGE_OID);
  const keyUsage =
    options.keyUsage ??
    (csrKeyUsage.length > 0 ? undefined : options.ca === true ? CA_USAGE : LEAF_USAGE);
  const profile = [
    ...profileExtensions({
      san: options.san,
      keyUsage,
      extendedKeyUsage: options.extendedKeyUsage,
    }),
    ...(options.san === undefined ? fromCsr(SAN_OID) : []),
    ...(keyUsage === undefined ? csrKeyUsage : []),
    ...(options.extendedKeyUsage === undefined ? fromCsr(EKU_OID) : []),
  ];
  checkIssuer(caCert, options.ca === true);
  if (!(await verifyCsr(crypto, csr))) {
    throw new X509Error(
      'ERR_CSR_SIGNATURE',
      `the CSR for ${csr.subject} does not verify (altered, or not signed by its key): not issuing`,
    );
  }
  const caKey =
    typeof options.caKey === 'number'
      ? (await resolveKeyPair(crypto, options.caKey)).privateKey
      : options.caKey;
  const algorithm = signingAlgorithm(caKey);
  const subjectKeyId = Buffer.from(await csr.publicKey.getKeyIdentifier(crypto));
  const caKeyId =
    findExtension(caCert.extensions, x509.SubjectKeyIdentifierExtension)?.keyId ??
    Buffer.from(await caCert.publicKey.getKeyIdentifier(crypto)).toString('hex');
  const extensions = merge(
    [
      constraints,
      ...profile,
      new x509.SubjectKeyIdentifierExtension(subjectKeyId.toString('hex')),
      new x509.AuthorityKeyIdentifierExtension(caKeyId),
    ],
    options.extensions,
  );
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial ?? randomSerialNumber(crypto),
      subject,
      issuer: caCert.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: caKey,
      signingAlgorithm: algorithm,
      extensions,
    },
    crypto,
  );
  if (!(await verifyCertificate(crypto, cert, caCert))) {
    throw new X509Error(
      'ERR_CA_KEY_MISMATCH',
      `the CA key does not match the CA certificate (${caCert.subject}): not issuing`,
    );
  }
  return cert;
}

/**
 * True when `issuer`'s public key verifies the signature of `cert` (validity dates are not
 * checked). K-256 issuers need zkbridge's Crypto.
 *
 * @example
 * ```ts
 * await verifyCertificate(crypto, leaf, ca); // true
 * ```
 */
export async function verifyCertificate(
  crypto: CryptoLike,
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate,
): Promise<boolean> {
  return cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }, crypto);
}

/**
 * Subject, issuer, validity, key and extensions of a certificate.
 *
 * @example
 * ```ts
 * describeCertificate(cert).ca; // false
 * ```
 */
export function describeCertificate(cert: x509.X509Certificate): CertificateInfo {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    key: keyName(cert.publicKey.algorithm),
    ca: findExtension(cert.extensions, x509.BasicConstraintsExtension)?.ca === true,
    ...describeExtensions(cert.extensions),
  };
}
