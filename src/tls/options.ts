/**
 * TLS options whose private key is an HSM slot, for Node's own `tls`, `https` and `undici`.
 *
 * Node 20 reaches a key outside the process through an OpenSSL engine (`privateKeyEngine`,
 * `privateKeyIdentifier`); zkbridge ships its own (`libzkbridge-engine.so`, docs/tls.md says
 * why), which signs through the PKCS#11 token in the same process. The device must be served by
 * another process (the engine signs synchronously on the event loop).
 *
 * @packageDocumentation
 */
import { X509Certificate } from 'node:crypto';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { enginePath } from './engine_path.js';
import { TlsError } from './errors.js';
import { keyUri } from './key_uri.js';

/** Which key and certificate to present, and how to reach them. */
export interface HsmKeyOptions {
  /** The HSM slot of the private key, or a PKCS#11 URI naming it (`pkcs11:id=…;type=private`). */
  key: number | string;
  /** The certificate chain, PEM (one string, or one entry per certificate); the first is the key's. */
  cert: string | Buffer | (string | Buffer)[];
  /** The token's user PIN; default `$ZKBRIDGE_PIN`. Never prompted for. */
  pin?: string;
  /**
   * The device (`unix:/path`, `tcp:host:port`); default `$ZKBRIDGE_DEVICE`. It becomes
   * `ZKBRIDGE_DEVICE` of this process, read by the token when it first initializes.
   */
  device?: string;
  /** The engine; default {@link enginePath}. */
  engine?: string;
}

/** The engine options Node's `tls.createSecureContext` (and everything built on it) takes. */
export interface HsmTlsOptions {
  privateKeyEngine: string;
  privateKeyIdentifier: string;
  cert: string | Buffer | (string | Buffer)[];
  sigalgs: string;
}

/**
 * Signature algorithms for a P-256 key: ECDSA first (what the key signs with: TLS 1.3's
 * ecdsa_secp256r1_sha256, and the same key with SHA-384/512 in TLS 1.2), then what the peer may
 * sign with (Ed25519, RSA-PSS, RSA PKCS#1), which this list also governs.
 */
const P256_SIGALGS = [
  'ECDSA+SHA256',
  'ECDSA+SHA384',
  'ECDSA+SHA512',
  'ed25519',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256',
  'rsa_pss_pss_sha384',
  'rsa_pss_pss_sha512',
  'RSA+SHA256',
  'RSA+SHA384',
  'RSA+SHA512',
].join(':');

function firstCertificate(cert: HsmKeyOptions['cert']): X509Certificate {
  const first = Array.isArray(cert) ? cert[0] : cert;
  if (first === undefined) throw new TlsError('ERR_TLS_CERT', 'the certificate chain is empty');
  try {
    return new X509Certificate(first);
  } catch (error) {
    throw new TlsError('ERR_TLS_CERT', 'the certificate is not a PEM or DER X.509 certificate', {
      cause: error,
    });
  }
}

/** Checks that the certificate's key is one TLS can use through the engine. */
function checkKeyType(cert: X509Certificate): void {
  const key = cert.publicKey;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') return;
  if (key.asymmetricKeyType === 'ec' && curve === 'secp256k1') {
    throw new TlsError(
      'ERR_TLS_KEY_TYPE',
      'a secp256k1 key cannot authenticate TLS: TLS 1.3 has no signature scheme for it (RFC 8446 ' +
        '4.2.3) and OpenSSL does not offer it in TLS 1.2 either; use a P-256 slot',
    );
  }
  if (key.asymmetricKeyType === 'ed25519') {
    throw new TlsError(
      'ERR_TLS_KEY_TYPE',
      'an Ed25519 HSM key cannot be used by Node 20 TLS: its only route to an outside key is an ' +
        'OpenSSL 3.0 engine, and engines have no EdDSA key method; use a P-256 slot',
    );
  }
  throw new TlsError(
    'ERR_TLS_KEY_TYPE',
    `the certificate's key (${key.asymmetricKeyType ?? '?'} ${curve ?? ''}) is not a P-256 key, ` +
      'the only kind of HSM key Node TLS can use',
  );
}

/**
 * Options that make Node present `cert` with the HSM key: spread them into `tls.connect`,
 * `tls.createServer`, `https.request`, `https.createServer` or an undici `Agent`'s `connect`.
 *
 * @example
 * ```ts
 * const cert = await readFile('device.pem', 'utf8');
 * const socket = tls.connect({ host: 'api.example.com', port: 443, ...hsmTlsOptions({ key: 16, cert, pin: '1234' }) });
 * ```
 * @throws TlsError ERR_TLS_CERT, ERR_TLS_KEY, ERR_TLS_KEY_TYPE, ERR_TLS_ENGINE_MISSING.
 */
export function hsmTlsOptions(options: HsmKeyOptions): HsmTlsOptions {
  checkKeyType(firstCertificate(options.cert));
  const pin = options.pin ?? process.env['ZKBRIDGE_PIN'];
  if (pin !== undefined && (pin.length < 4 || pin.length > 64)) {
    throw new TlsError('ERR_TLS_PIN', 'a PIN has 4 to 64 characters');
  }
  if (options.device !== undefined) process.env['ZKBRIDGE_DEVICE'] = options.device;
  return {
    privateKeyEngine: options.engine ?? enginePath(),
    privateKeyIdentifier: keyUri(options.key, pin),
    cert: options.cert,
    sigalgs: P256_SIGALGS,
  };
}

/**
 * A secure context holding the HSM key, made once and shared by many connections (the engine
 * looks the key up when the context is made, not per handshake). Failures of the engine become a
 * {@link TlsError} with OpenSSL's reason in the message and the original error as `cause`.
 *
 * @example
 * ```ts
 * const secureContext = hsmSecureContext({ key: 16, cert, pin });
 * tls.connect({ host, port, secureContext });
 * ```
 */
export function hsmSecureContext(
  options: HsmKeyOptions & { context?: tls.SecureContextOptions },
): tls.SecureContext {
  const engine = hsmTlsOptions(options);
  try {
    return tls.createSecureContext({ ...options.context, ...engine });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = /wrong PIN|PIN locked|login failed|without login/.test(reason)
      ? 'ERR_TLS_PIN'
      : 'ERR_TLS_KEY';
    const shown = engine.privateKeyIdentifier.replace(/pin-value=[^&]*/, 'pin-value=***');
    throw new TlsError(code, `the HSM key ${shown} cannot be used: ${reason}`, { cause: error });
  }
}

/**
 * An `https.Agent` whose connections present the HSM key; it keeps TLS sessions, so a
 * second connection to the same server resumes without another signature.
 *
 * @example
 * ```ts
 * const agent = hsmHttpsAgent({ key: 16, cert, pin }, { ca });
 * https.get('https://device-api.local/', { agent }, (res) => res.pipe(process.stdout));
 * ```
 */
export function hsmHttpsAgent(
  options: HsmKeyOptions,
  agentOptions: https.AgentOptions = {},
): https.Agent {
  const { ca, ciphers, minVersion, maxVersion, ...rest } = agentOptions;
  const context: tls.SecureContextOptions = {};
  if (ca !== undefined) context.ca = ca;
  if (ciphers !== undefined) context.ciphers = ciphers;
  if (minVersion !== undefined) context.minVersion = minVersion;
  if (maxVersion !== undefined) context.maxVersion = maxVersion;
  return new https.Agent({ ...rest, secureContext: hsmSecureContext({ ...options, context }) });
}
