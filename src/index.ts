/**
 * zkbridge: use a Zymbit-class HSM from Node and from any PKCS#11/OpenSSL client.
 *
 * This entry point re-exports the stable modules; subpath exports (`zkbridge/native`,
 * `zkbridge/protocol`) give the same modules without the rest.
 *
 * @packageDocumentation
 */
export * as native from './native/index.js';
export * as protocol from './protocol/index.js';
export * as firmware from './firmware/index.js';
export * as provider from './provider/index.js';
