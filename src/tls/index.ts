/**
 * `zkbridge/tls`: mutual TLS with a private key that stays in the HSM, for Node's `tls`, `https`
 * and `undici` (client and server). See docs/tls.md.
 *
 * @packageDocumentation
 */
export { TlsError, type TlsErrorCode } from './errors.js';
export { enginePath } from './engine_path.js';
export { keyUri, slotKeyId } from './key_uri.js';
export {
  hsmTlsOptions,
  hsmSecureContext,
  hsmHttpsAgent,
  type HsmKeyOptions,
  type HsmTlsOptions,
} from './options.js';
export { initToken, type TokenSetup } from './token_setup.js';
